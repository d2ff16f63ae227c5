"""Who may reach each console route: every route of the blueprint × anonymous/editor/publisher."""

from __future__ import annotations

import pytest

from tests.console.conftest import session_for

# The least role each console endpoint needs. A route missing here fails the test, so a new
# route cannot be added without deciding who may use it.
EXPECTED_ACCESS = {
    "console.static": "anonymous",
    "console.login": "anonymous",
    "console.logout": "editor",
    "console.account": "editor",
    "console.audit_log": "editor",
    "console.issues": "editor",
    "console.import_issue": "editor",
    "console.import_template": "editor",
    "console.import_report": "editor",
    "console.confirm_import": "editor",
    "console.discard_import": "editor",
    "console.issue": "editor",
    "console.confirm_pending": "editor",
    "console.discard_pending": "editor",
    "console.edit_issue": "editor",
    "console.issue_diff": "editor",
    "console.preview": "editor",
    "console.article_frame": "editor",
    "console.cover": "editor",
    "console.send_preview": "editor",
    "console.new_push": "editor",
    "console.confirm_push": "publisher",
    "console.create_push": "publisher",
    "console.pushes": "editor",
    "console.push_status": "editor",
    "console.push_fragment": "editor",
    # Editors may change their own scheduled previews; the view refuses them the rest (403).
    "console.cancel_push": "editor",
    "console.reschedule_push": "editor",
    "console.send_now": "editor",
    "console.schedule_again": "editor",
    "console.confirm_version": "editor",
    "console.followers": "editor",
    "console.event_codes_page": "editor",
    "console.create_event_code": "editor",
    "console.event_code_image": "editor",
    "console.name_follower": "editor",
    "console.followers_messages": "editor",
    "console.reply_to_message": "editor",
    "console.menu": "editor",
    "console.sync_menu": "publisher",
    "console.issue_statistics_csv": "editor",
    "console.follower_growth_csv": "editor",
}

# Values for the variable parts of console URLs.
SAMPLE_ARGS = {
    "filename": "console.css",
    "number": 9,
    "push_id": "nosuchpush",
    "import_id": "nosuchimport",
    "index": 0,
    "version": 1,
    "openid": "oNoSuchFollowerxxxxxxxxxxxxx",
    "message_id": "nosuchmessage",
}
RANK = {"anonymous": 0, "editor": 1, "publisher": 2}


def console_requests(app):
    """(endpoint, method, url) for every method of every console rule in the app's url_map."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("console."):
                continue
            url = rule.build({name: SAMPLE_ARGS[name] for name in rule.arguments})[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, url))
    return found


def test_every_console_route_has_an_expected_access_rule(app):
    endpoints = {endpoint for endpoint, _, _ in console_requests(app)}
    assert endpoints - set(EXPECTED_ACCESS) == set(), "new console routes need an access rule"
    assert set(EXPECTED_ACCESS) - endpoints == set(), "stale entries in EXPECTED_ACCESS"


def refused(response) -> str | None:
    """How a response refuses access, or None when it let the request through."""
    location = response.headers.get("Location", "")
    # The guard sends anonymous visitors to sign in and back (sign-out's redirect has no next).
    if response.status_code == 302 and "/console/login?next=" in location:
        return "sign-in"
    if response.status_code in (401, 403):
        return str(response.status_code)
    return None


@pytest.mark.parametrize("identity", ["anonymous", "editor", "publisher"])
def test_access_rules_hold_for_every_route(app, redis_client, staff, identity):
    failures = []
    for endpoint, method, url in console_requests(app):
        client = app.test_client()
        token = "no-session"
        if identity != "anonymous":
            token = session_for(client, redis_client, staff[identity])
        data = {"csrf_token": token}
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=method, data=data)
        needed = EXPECTED_ACCESS[endpoint]
        outcome = refused(response)
        if RANK[identity] >= RANK[needed]:
            if outcome:
                failures.append(f"{identity} {method} {url}: refused ({outcome})")
            if response.status_code >= 500:
                failures.append(f"{identity} {method} {url}: server error")
        elif identity == "anonymous":
            expected = "sign-in" if method == "GET" else "401"
            if outcome != expected:
                failures.append(f"anonymous {method} {url}: {response.status_code}, not refused")
        elif outcome != "403":
            failures.append(f"{identity} {method} {url}: {response.status_code}, not 403")
    assert failures == []


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_every_form_post_without_the_sessions_csrf_token_is_refused(
    app, redis_client, staff, token
):
    before = redis_client.dbsize()
    for endpoint, method, url in console_requests(app):
        if method == "GET" or endpoint == "console.static":
            continue
        client = app.test_client()
        session_for(client, redis_client, staff["publisher"])
        data = {} if token is None else {"csrf_token": token}
        response = client.open(url, method=method, data=data)
        assert response.status_code == 400, f"{method} {url} took a post without its token"
    # Only the sessions made for the test were written: no refused post changed anything.
    assert redis_client.dbsize() - before == len(redis_client.keys("staff:session*"))
