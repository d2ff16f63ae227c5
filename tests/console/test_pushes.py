"""Scheduling, rescheduling and cancelling pushes from the console (no WeChat call needed)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.console import audit
from bot.newsletter import store, text_import
from config import PROJECT_ROOT

SEED = PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def issue9(redis_client):
    store.save_issue(redis_client, text_import.import_bytes(SEED.read_bytes()), source="test")
    return 9


def later(hours: float) -> datetime:
    moment = datetime.now(BEIJING) + timedelta(hours=hours)
    return moment.replace(second=0, microsecond=0)


def push_form(client, at: datetime | None, **extra) -> dict:
    """The confirmation page's form; `version` is the issue version it showed (issue9's first)."""
    form = {
        "csrf_token": client.csrf,
        "publish": "1",
        "broadcast": "1",
        "audience": "all",
        "version": "1",
    }
    if at is None:
        form["when"] = "now"
    else:
        form.update(when="at", at=at.strftime("%Y-%m-%dT%H:%M"))
    return {**form, **extra}


def test_a_publisher_schedules_a_push_after_a_confirmation_page(publisher_client, issue9):
    at = later(1)
    form = push_form(publisher_client, at)
    review = publisher_client.post("/console/issues/9/push", data=form)
    page = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "Confirm: push issue 9" in page and at.strftime("%Y-%m-%d %H:%M") in page
    assert "mass sends left" in page
    # Nothing is scheduled by the review page itself.
    listed = publisher_client.get("/console/pushes").get_data(as_text=True)
    assert "No push yet." in listed

    done = publisher_client.post("/console/issues/9/push/confirmed", data=form)
    status_url = done.headers["Location"]
    assert status_url.startswith("/console/pushes/s")
    status = publisher_client.get(status_url).get_data(as_text=True)
    assert 'id="push-state">scheduled<' in status
    assert "publish and broadcast to all followers" in status
    assert at.strftime("%Y-%m-%d %H:%M") in status
    assert 'data-running="true"' in status
    listing = publisher_client.get("/console/pushes").get_data(as_text=True)
    assert status_url in listing


def test_reschedule_then_cancel_a_pending_push(publisher_client, issue9, redis_client):
    form = push_form(publisher_client, later(1))
    url = publisher_client.post("/console/issues/9/push/confirmed", data=form).headers["Location"]
    new_at = later(3)
    publisher_client.post(
        url + "/reschedule",
        data={"csrf_token": publisher_client.csrf, "at": new_at.strftime("%Y-%m-%dT%H:%M")},
    )
    page = publisher_client.get(url).get_data(as_text=True)
    assert new_at.strftime("%Y-%m-%d %H:%M") in page

    publisher_client.post(url + "/cancel", data={"csrf_token": publisher_client.csrf})
    fragment = publisher_client.get(url + "/fragment").get_data(as_text=True)
    assert 'id="push-state">cancelled<' in fragment
    assert 'data-running="false"' in fragment
    assert "<html" not in fragment
    # A cancelled push cannot be moved again; the refusal is one sentence.
    again = publisher_client.post(url + "/cancel", data={"csrf_token": publisher_client.csrf})
    assert "not waiting any more" in publisher_client.get(again.headers["Location"]).get_data(True)
    actions = [e["action"] for e in audit.recent(redis_client)]
    assert {"scheduled push", "rescheduled push", "cancelled push"} <= set(actions)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"at": "2020-01-01T09:00"}, "That time has passed"),
        ({"at": "next tuesday"}, "is not a time like"),
        ({"publish": "0", "broadcast": "0"}, "Choose publish, broadcast or both."),
        ({"audience": "tag", "tag": ""}, "Choose the tag"),
    ],
)
def test_a_push_that_cannot_go_is_refused_with_a_sentence(
    publisher_client, issue9, redis_client, change, message
):
    form = {**push_form(publisher_client, later(1)), **change}
    response = publisher_client.post("/console/issues/9/push/confirmed", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert not redis_client.keys("sched:s*")


def test_a_second_broadcast_of_an_issue_needs_again_from_a_publisher_and_is_audited(
    publisher_client, editor_client, issue9, redis_client
):
    from bot.publishing import sends

    sends.claim(redis_client, "p1", 9, None, again=False)
    sends.update(redis_client, "p1", 9, None, msg_id="1000000001", result="sent")
    form = push_form(publisher_client, later(1))
    refused = publisher_client.post("/console/issues/9/push/confirmed", data=form)
    assert refused.status_code == 400
    assert "issue 9 was already broadcast to all followers" in refused.get_data(as_text=True)
    assert not redis_client.keys("sched:s*")

    done = publisher_client.post("/console/issues/9/push/confirmed", data={**form, "again": "1"})
    assert done.status_code == 302 and done.headers["Location"].startswith("/console/pushes/s")
    entries = [e for e in audit.recent(redis_client) if e["action"] == "scheduled push"]
    assert "again (a repeat broadcast)" in str(entries[0])
    # Editors cannot push at all, again or not.
    editor_form = {**push_form(editor_client, later(2)), "again": "1"}
    assert (
        editor_client.post("/console/issues/9/push/confirmed", data=editor_form).status_code == 403
    )


def test_a_push_of_an_issue_that_does_not_exist_is_a_404(publisher_client, redis_client):
    response = publisher_client.post(
        "/console/issues/42/push/confirmed", data=push_form(publisher_client, later(1))
    )
    assert response.status_code == 404
    assert "There is no issue 42." in response.get_data(as_text=True)


def test_an_editor_sees_the_quota_but_no_publish_form(editor_client, issue9):
    page = editor_client.get("/console/issues/9/push").get_data(as_text=True)
    assert "mass sends left" in page
    assert "Publishing and broadcasting are for publishers" in page
    assert 'name="broadcast"' not in page


def test_a_failed_push_shows_wechats_errcode_with_a_hint_a_person_can_act_on(
    editor_client, issue9, redis_client
):
    from bot.publishing import state
    from bot.wechat import hint_for

    state.create(redis_client, "p7", {"number": 9, "publish": False, "broadcast": True})
    lease = state.Lease(redis_client, "p7")
    assert lease.acquire()
    try:
        push = state.load(redis_client, "p7")
        failure = {"errcode": 45028, "errmsg": "has no masssend quota", "failed_step": "broadcast"}
        lease.move(push, "failed", {**failure, "hint": hint_for(45028)})
    finally:
        lease.release()

    page = editor_client.get("/console/pushes/p7").get_data(as_text=True)
    assert 'id="push-state">failed<' in page
    assert "Failed at broadcast" in page and "WeChat errcode 45028" in page
    assert hint_for(45028) in page
    assert 'data-running="false"' in page
    assert "Change this scheduled push" not in page


def test_an_editor_schedules_a_preview_and_may_move_it_but_not_a_publishers_push(
    editor_client, publisher_client, issue9, redis_client
):
    from bot.console import accounts

    accounts.set_openid(redis_client, "erin", "oEDITOR000000001")
    at = later(2)
    sent = editor_client.post(
        "/console/issues/9/preview/send",
        data={"csrf_token": editor_client.csrf, "when": "at", "at": at.strftime("%Y-%m-%dT%H:%M")},
    )
    preview_url = sent.headers["Location"]
    page = editor_client.get(preview_url).get_data(as_text=True)
    # The recipient by the name staff know (a bound staff WeChat), not an openid.
    assert "preview to erin" in page and "Change this scheduled push" in page
    moved = later(4)
    editor_client.post(
        preview_url + "/reschedule",
        data={"csrf_token": editor_client.csrf, "at": moved.strftime("%Y-%m-%dT%H:%M")},
    )
    assert moved.strftime("%Y-%m-%d %H:%M") in editor_client.get(preview_url).get_data(True)

    form = push_form(publisher_client, later(1))
    push_url = publisher_client.post("/console/issues/9/push/confirmed", data=form).headers[
        "Location"
    ]
    assert "Change this scheduled push" not in editor_client.get(push_url).get_data(True)
    refused = editor_client.post(push_url + "/cancel", data={"csrf_token": editor_client.csrf})
    assert refused.status_code == 403
    assert 'id="push-state">scheduled<' in editor_client.get(push_url).get_data(True)
    editor_client.post(preview_url + "/cancel", data={"csrf_token": editor_client.csrf})
    assert 'id="push-state">cancelled<' in editor_client.get(preview_url).get_data(True)


def test_the_preview_shows_every_article_its_cover_and_the_preflight_result(editor_client, issue9):
    page = editor_client.get("/console/issues/9/preview").get_data(as_text=True)
    frames = re.findall(r'<iframe src="(/console/issues/9/articles/\d+)"', page)
    covers = re.findall(r'<img src="(/console/issues/9/covers/\d+)"', page)
    assert len(frames) == len(covers) >= 2
    assert "Every article is within WeChat" in page
    article = editor_client.get(frames[0])
    assert article.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "script-src" not in article.headers["Content-Security-Policy"]
    assert "default-src 'none'" in article.headers["Content-Security-Policy"]
    assert "Foreword" in article.get_data(as_text=True)
    cover = editor_client.get(covers[1])
    assert cover.mimetype in ("image/jpeg", "image/png") and len(cover.data) > 1000
    assert editor_client.get("/console/issues/9/articles/99").status_code == 404
