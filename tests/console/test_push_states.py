"""What the console says a push did, and the actions on scheduled and cancelled pushes."""

from __future__ import annotations

import html
import re

from bot.console import accounts
from bot.publishing import state
from tests.console.test_pushes import issue9, later, push_form  # noqa: F401 - fixture


def _finished(redis_client, push_id: str, steps: tuple[str, ...], **options) -> None:
    """A push of issue 9 that went through `steps` and is done, as the pipeline records it."""
    state.create(redis_client, push_id, {"number": 9, **options})
    lease = state.Lease(redis_client, push_id)
    assert lease.acquire()
    try:
        for step in (*steps, "done"):
            lease.move(state.load(redis_client, push_id), step, {})
    finally:
        lease.release()


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [html.unescape(re.sub(r"<[^>]+>", " ", row)) for row in body.split("<tr>")[1:]]


def test_a_preview_is_not_a_publication(editor_client, issue9, redis_client):  # noqa: F811
    _finished(redis_client, "p1", ("drafted", "previewed"), preview_to=["oEDITOR000000001"])
    issues = editor_client.get("/console/").get_data(as_text=True)
    assert "previews only" in issues and "state-done" not in issues
    status = editor_client.get("/console/pushes/p1").get_data(as_text=True)
    assert 'id="push-state">previewed<' in status

    _finished(redis_client, "p2", ("drafted", "previewed", "broadcast"), broadcast=True)
    issues = editor_client.get("/console/").get_data(as_text=True)
    assert "state-broadcast" in issues and "previews only" not in issues
    assert 'id="push-state">broadcast<' in editor_client.get("/console/pushes/p2").get_data(
        as_text=True
    )


def test_pushes_are_listed_newest_first_and_filtered(
    publisher_client,
    issue9,  # noqa: F811
    redis_client,
):
    accounts.set_openid(redis_client, "erin", "oEDITOR000000001")  # erin's bound WeChat
    _finished(redis_client, "p1", ("drafted", "previewed"), preview_to=["oEDITOR000000001"])
    publisher_client.post(
        "/console/issues/9/push/confirmed", data=push_form(publisher_client, later(3))
    )
    rows = _rows(publisher_client.get("/console/pushes").get_data(as_text=True))
    assert "scheduled" in rows[0] and "previewed" in rows[1]

    only = _rows(publisher_client.get("/console/pushes?state=previewed").get_data(as_text=True))
    assert len(only) == 1 and "preview to erin" in only[0]
    none = publisher_client.get("/console/pushes?issue=9&state=failed").get_data(as_text=True)
    assert "No push matches." in none


def test_an_immediate_push_is_reported_as_started(publisher_client, issue9):  # noqa: F811
    done = publisher_client.post(
        "/console/issues/9/push/confirmed",
        data=push_form(publisher_client, None),
        follow_redirects=True,
    )
    page = done.get_data(as_text=True)
    assert "Push of issue 9 started" in page and "scheduled (" not in page
    audit = publisher_client.get("/console/audit").get_data(as_text=True)
    assert "started push" in audit and "scheduled push" not in audit


def test_send_now_fires_a_waiting_schedule_at_once(publisher_client, issue9, redis_client):  # noqa: F811
    sent = publisher_client.post(
        "/console/issues/9/push/confirmed", data=push_form(publisher_client, later(5))
    )
    sched_id = sent.headers["Location"].rsplit("/", 1)[1]
    page = publisher_client.get(f"/console/pushes/{sched_id}").get_data(as_text=True)
    assert 'id="send-now"' in page
    publisher_client.post(
        f"/console/pushes/{sched_id}/send-now", data={"csrf_token": publisher_client.csrf}
    )
    due = redis_client.zscore("sched:all", sched_id)
    assert due is not None and due <= later(0).timestamp() + 60


def test_a_cancelled_push_is_scheduled_again_and_a_push_is_duplicated(
    publisher_client,
    issue9,  # noqa: F811
    redis_client,
):
    form = push_form(publisher_client, later(5), audience="all")
    sched_id = (
        publisher_client.post("/console/issues/9/push/confirmed", data=form)
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    token = {"csrf_token": publisher_client.csrf}
    publisher_client.post(f"/console/pushes/{sched_id}/cancel", data=token)
    page = publisher_client.get(f"/console/pushes/{sched_id}").get_data(as_text=True)
    assert 'id="push-state">cancelled<' in page and 'id="schedule-again"' in page

    moved = later(7)
    again = publisher_client.post(
        f"/console/pushes/{sched_id}/schedule-again",
        data={**token, "at": moved.strftime("%Y-%m-%dT%H:%M")},
    )
    new_id = again.headers["Location"].rsplit("/", 1)[1]
    assert new_id != sched_id
    status = publisher_client.get(f"/console/pushes/{new_id}").get_data(as_text=True)
    assert 'id="push-state">scheduled<' in status and moved.strftime("%Y-%m-%d %H:%M") in status

    copy = publisher_client.get(f"/console/issues/9/push?duplicate={new_id}").get_data(as_text=True)
    assert "A copy of push" in copy
    assert re.search(r'name="publish" value="1"\s+checked', copy)
    assert re.search(r'name="broadcast" value="1"\s+checked', copy)


def test_after_an_edit_the_issue_page_says_followers_read_the_old_text(
    publisher_client,
    issue9,  # noqa: F811
    redis_client,
):
    from bot.newsletter import store

    _finished(redis_client, "p1", ("drafted", "previewed", "broadcast"), broadcast=True, version=1)
    edited = store.get_issue(redis_client, 9)
    edited.foreword.paragraphs[0] = "A corrected first paragraph of the foreword."
    store.save_issue(redis_client, edited, source="test edit")
    store.confirm_issue(redis_client, 9)

    page = html.unescape(publisher_client.get("/console/issues/9").get_data(as_text=True))
    assert "Followers read version 1: it was broadcast" in page
    assert "Version 2 is current here only." in page
    changed = re.search(r"Changed since: (.*?)\.</p>", page).group(1)
    assert changed == "MMSP II No. 9 · June 2021"  # the lead article, which holds the foreword
    assert 'id="publish-correction"' in page

    form = publisher_client.get("/console/issues/9/push?correction=1").get_data(as_text=True)
    assert "A correction publishes the current version" in html.unescape(form)
    assert re.search(r'name="publish" value="1"\s+checked', form)
    assert not re.search(r'name="broadcast" value="1"\s+checked', form)


def test_an_unpublished_edit_raises_no_notice(publisher_client, issue9, redis_client):  # noqa: F811
    _finished(
        redis_client, "p1", ("drafted", "previewed"), preview_to=["oEDITOR000000001"], version=1
    )
    assert "published-old-text" not in publisher_client.get("/console/issues/9").get_data(
        as_text=True
    )
