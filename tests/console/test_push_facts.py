"""The confirmation page states the facts a publisher sends by: the audience in numbers from
WeChat (the sandbox), a tag by name, a warning for nobody, and no Confirm without quota."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import pytest

from bot import create_app
from bot.newsletter import store
from bot.newsletter.issue_cli import SAMPLE_ISSUE, read_issue_file
from tests.console.conftest import signed_in


@pytest.fixture
def publisher(sandbox, settings_env, redis_client, staff):
    store.save_issue(redis_client, read_issue_file(SAMPLE_ISSUE), source="issue-09.txt")
    app = create_app({**settings_env, "WECHAT_API_BASE": sandbox.api_base, "TESTING": True})
    client = signed_in(app, redis_client, "paul")
    client.tz = app.extensions["settings"].tz
    return client


def _tomorrow(client, hour: int) -> datetime:
    day = datetime.now(client.tz) + timedelta(days=1)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def _form(client, at: datetime, **extra) -> dict:
    form = {"csrf_token": client.csrf, "publish": "1", "broadcast": "1", "audience": "all"}
    form.update(when="at", at=at.strftime("%Y-%m-%dT%H:%M"), version="1")
    return {**form, **extra}


def _review(client, form) -> str:
    return html.unescape(client.post("/console/issues/9/push", data=form).get_data(as_text=True))


def test_the_audience_is_counted_by_wechat(publisher, sandbox):
    for name in ("mei", "alice", "bob"):
        sandbox.add_follower(name)
    page = _review(publisher, _form(publisher, _tomorrow(publisher, 10)))
    assert 'id="audience">all 3 followers<' in page
    assert "audience-warning" not in page and 'id="confirm-push"' in page


def test_a_tag_is_named_with_its_count_and_an_empty_one_is_warned_about(publisher, sandbox):
    client = sandbox.wechat_client()
    researchers = client.tag.create("Researchers")
    client.tag.create("Journalists")
    client.tag.tag_user(researchers["id"], [sandbox.add_follower("mei")])

    form = _form(publisher, _tomorrow(publisher, 10), audience="tag", tag=str(researchers["id"]))
    page = _review(publisher, form)
    assert "the 1 follower with tag “Researchers”" in page
    assert "audience-warning" not in page

    page = _review(
        publisher, _form(publisher, _tomorrow(publisher, 10), audience="tag", tag="Journalists")
    )
    assert "the 0 followers with tag “Journalists”" in page
    assert "Nobody would receive it" in page


def test_without_quota_there_is_no_confirm_and_the_next_slot_is_named_once(publisher, sandbox):
    sandbox.add_follower("mei")
    first = _form(publisher, _tomorrow(publisher, 10))
    done = publisher.post("/console/issues/9/push/confirmed", data=first)
    assert done.status_code == 302  # the day's one mass send (a subscription account's)

    page = _review(publisher, _form(publisher, _tomorrow(publisher, 15)))
    assert "0 of 1 mass sends left that day" in page
    assert 'id="confirm-push"' not in page and 'id="no-quota"' in page
    assert page.count("next free slot") == 1

    # Publishing alone needs no mass send: it is offered.
    page = _review(publisher, _form(publisher, _tomorrow(publisher, 15), broadcast=""))
    assert 'id="confirm-push"' in page and 'id="quota"' not in page
