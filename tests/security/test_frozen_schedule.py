"""Attack replay: an editor changes an issue after a publisher scheduled its push.

Before, the push published whatever version was current when it fired. Now it is frozen to the
version the publisher confirmed: a later edit holds it until a publisher reviews the difference
and confirms again (or cancels), and the push renders the confirmed version whatever happens.
"""

from __future__ import annotations

import html
import re

import requests

from bot.newsletter import store
from bot.newsletter.text_import import import_bytes
from bot.publishing import api, schedule, state
from config import PROJECT_ROOT
from tests.console.test_pushes import later, push_form
from tests.support.live import wait_until

SEED_BYTES = (PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt").read_bytes()
SEED = import_bytes(SEED_BYTES)
# A story title, as an editor would change it after the publisher approved the issue.
ORIGINAL = "Training for EU Embassies and Consulates"
EDITED = "Training EDITED AFTER APPROVAL"


def _edit_as_editor(client) -> None:
    """The editor's change through the console: Markdown edit, then confirm (version 2)."""
    form = client.get("/console/issues/9/edit").get_data(as_text=True)
    markdown = html.unescape(re.search(r"<textarea[^>]*>(.*)</textarea>", form, re.S).group(1))
    assert ORIGINAL in markdown
    edited = markdown.replace(ORIGINAL, EDITED, 1)
    report = client.post(
        "/console/issues/9/edit", data={"csrf_token": client.csrf, "markdown": edited}
    )
    client.post(report.headers["Location"] + "/confirm", data={"csrf_token": client.csrf})


def _tick_when_due(app_, redis_client, sched_id: str, after: float = 5) -> dict:
    """Beat's tick, `after` seconds past the schedule's due time."""
    with app_.app_context():
        return api.tick(now=schedule.get(redis_client, sched_id)["at"] + after)


def test_an_edit_after_scheduling_holds_the_push_until_a_publisher_confirms_it(
    app, editor_client, publisher_client, redis_client
):
    store.save_issue(redis_client, SEED, source="test")
    form = push_form(publisher_client, later(1))
    review = publisher_client.post("/console/issues/9/push", data=form).get_data(as_text=True)
    assert 'name="version" value="1"' in review and "version 1" in review
    url = publisher_client.post("/console/issues/9/push/confirmed", data=form).headers["Location"]
    sched_id = url.rsplit("/", 1)[1]

    _edit_as_editor(editor_client)
    assert store.issue_meta(redis_client, 9)["current"] == "2"
    page = publisher_client.get(url).get_data(as_text=True)
    assert "Issue changed since it was scheduled" in page

    # Its time comes: beat holds it instead of pushing the edited version.
    _tick_when_due(app, redis_client, sched_id)
    held = schedule.get(redis_client, sched_id)
    assert held["state"] == "held" and held["note"] == "issue changed since it was scheduled"
    assert redis_client.get("push:issue:9") is None
    page = publisher_client.get(url).get_data(as_text=True)
    assert 'id="push-state">held<' in page and "waits until it is confirmed again" in page

    # The editor cannot approve their own change for a push that reaches followers.
    mine = editor_client.post(
        url + "/confirm-version", data={"csrf_token": editor_client.csrf, "version": "2"}
    )
    assert mine.status_code == 403
    _tick_when_due(app, redis_client, sched_id, after=60)
    assert schedule.get(redis_client, sched_id)["state"] == "held"

    # The publisher reviews the difference, then confirms version 2: now it fires, frozen to it.
    diff = publisher_client.get("/console/issues/9/diff?old=1&new=2").get_data(as_text=True)
    assert EDITED in diff
    publisher_client.post(
        url + "/confirm-version", data={"csrf_token": publisher_client.csrf, "version": "2"}
    )
    assert schedule.get(redis_client, sched_id)["state"] == "scheduled"
    _tick_when_due(app, redis_client, sched_id)
    push_id = redis_client.get("push:issue:9")
    assert push_id and state.load(redis_client, push_id)["version"] == "2"


def test_a_held_push_can_be_cancelled_and_never_fires(
    app, editor_client, publisher_client, redis_client
):
    store.save_issue(redis_client, SEED, source="test")
    form = push_form(publisher_client, later(1))
    url = publisher_client.post("/console/issues/9/push/confirmed", data=form).headers["Location"]
    sched_id = url.rsplit("/", 1)[1]
    _edit_as_editor(editor_client)
    _tick_when_due(app, redis_client, sched_id)
    assert schedule.get(redis_client, sched_id)["state"] == "held"
    publisher_client.post(url + "/cancel", data={"csrf_token": publisher_client.csrf})
    assert 'id="push-state">cancelled<' in publisher_client.get(url).get_data(as_text=True)
    _tick_when_due(app, redis_client, sched_id, after=60)
    assert redis_client.get("push:issue:9") is None


def test_a_confirmation_page_older_than_the_last_edit_is_refused(
    editor_client, publisher_client, redis_client
):
    store.save_issue(redis_client, SEED, source="test")
    form = push_form(publisher_client, later(1))
    publisher_client.post("/console/issues/9/push", data=form)  # the publisher reads version 1
    _edit_as_editor(editor_client)  # meanwhile the editor confirms version 2
    refused = publisher_client.post("/console/issues/9/push/confirmed", data=form)
    assert refused.status_code == 400
    assert "changed since you reviewed it" in refused.get_data(as_text=True)
    assert not redis_client.keys("sched:s*")


def test_a_running_push_publishes_the_confirmed_version_not_a_later_edit(
    bot_app, bot_env, webhook, sandbox, processes, redis_client
):
    store.save_issue(redis_client, SEED, source="test")
    with bot_app.app_context():
        push_id = api.start_push(redis_client, 9, publish=True, by="publisher")["id"]
    # Before any worker renders it, an edit becomes current.
    edited = import_bytes(SEED_BYTES.replace(ORIGINAL.encode(), EDITED.encode(), 1))
    store.save_issue(redis_client, edited, source="editor")
    store.confirm_issue(redis_client, 9)
    assert store.issue_meta(redis_client, 9)["current"] == "2"

    processes.worker(bot_env)

    def finished():
        push = state.load(redis_client, push_id)
        return push if push and push.state in state.TERMINAL else None

    push = wait_until(finished, 60, 0.2, "the push to finish")
    assert push.state == "done", push.fields
    assert push["version"] == "1"
    published = api.published_articles(redis_client, 9)
    pages = [requests.get(a["url"], timeout=5).text for a in published]
    assert pages and any(ORIGINAL in page for page in pages)
    assert not any(EDITED in page for page in pages)


def test_the_cli_shows_the_difference_before_confirming_a_changed_issue(
    settings_env, redis_client, monkeypatch
):
    from click.testing import CliRunner

    from bot.cli import _register, cli

    for name, value in settings_env.items():
        monkeypatch.setenv(name, value)
    _register()
    runner = CliRunner()
    store.save_issue(redis_client, SEED, source="test")
    result = runner.invoke(cli, ["push", "9", "--publish", "--at", "2030-06-30 09:00"])
    sched_id = re.search(r"scheduled (s\d+):", result.output).group(1)
    edited = import_bytes(SEED_BYTES.replace(ORIGINAL.encode(), EDITED.encode(), 1))
    store.save_issue(redis_client, edited)
    store.confirm_issue(redis_client, 9)

    declined = runner.invoke(cli, ["schedules", "confirm", sched_id], input="n\n")
    assert declined.exit_code == 1
    assert re.search(r"^\+.*" + EDITED, declined.output, re.M)
    assert re.search(r"^-.*" + ORIGINAL, declined.output, re.M)
    assert schedule.get(redis_client, sched_id)["options"]["version"] == 1

    accepted = runner.invoke(cli, ["schedules", "confirm", sched_id], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert f"{sched_id}: issue 9 version 2 confirmed" in accepted.output
    assert schedule.get(redis_client, sched_id)["options"]["version"] == 2
