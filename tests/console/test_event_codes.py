"""Event QR codes in the console: made through WeChat (the sandbox), shown, downloaded."""

from __future__ import annotations

import html

import pytest

from bot import create_app
from bot.followers import event_codes
from bot.newsletter import store
from bot.newsletter.issue_cli import SAMPLE_ISSUE, read_issue_file
from tests.console.conftest import signed_in


@pytest.fixture
def issue9(redis_client):
    store.save_issue(redis_client, read_issue_file(SAMPLE_ISSUE), source="issue-09.txt")
    return store.upcoming_items(redis_client, 9)


@pytest.fixture
def editor(sandbox, settings_env, redis_client, staff):
    app = create_app({**settings_env, "WECHAT_API_BASE": sandbox.api_base, "TESTING": True})
    return signed_in(app, redis_client, "erin")


def _make(client, index: int, kind: str):
    return client.post(
        f"/console/issues/9/event-codes/{index}",
        data={"kind": kind, "csrf_token": client.csrf},
        follow_redirects=True,
    )


def test_a_thirty_day_code_is_made_shown_and_downloaded(editor, issue9, sandbox, redis_client):
    page = html.unescape(_make(editor, 2, "temporary").get_data(as_text=True))
    assert f"The 30-day QR code of “{issue9[1]['title']}” is ready." in page
    assert 'src="/console/issues/9/event-codes/2.png"' in page
    code = event_codes.get(redis_client, 9, 2)
    assert code["kind"] == "temporary" and not code["expired"]
    assert "until" in page

    # WeChat made it with the event's scene, for 30 days.
    created = [c for c in sandbox.calls("qrcode/create") if c.get("errcode") == 0]
    assert created, sandbox.calls("qrcode/create")

    image = editor.get("/console/issues/9/event-codes/2.png?download=1")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n") and len(image.data) > 300
    assert 'filename="issue-9-event-2-qrcode.png"' in image.headers["Content-Disposition"]


def test_scanning_the_code_sends_the_events_scene(editor, issue9, sandbox, redis_client):
    _make(editor, 3, "permanent")
    code = event_codes.get(redis_client, 9, 3)
    assert code["kind"] == "permanent" and code["expires_at"] is None
    with sandbox.standin_webhook() as webhook:
        sandbox.followers_api("POST", "followers/mei/scan", json={"scene": code["url"]})
    fields = webhook.calls[-1].fields
    assert fields["EventKey"] == "qrscene_" + event_codes.scene_for(9, 3)
    assert event_codes.parse_scene(fields["EventKey"].removeprefix("qrscene_")) == (9, 3)


def test_a_code_is_not_kept_when_wechat_cannot_be_reached(app, redis_client, staff, issue9):
    editor = signed_in(app, redis_client, "erin")  # its API base is a closed port
    page = _make(editor, 1, "temporary").get_data(as_text=True)
    assert "could not be reached" in page or "WeChat refused" in page
    assert event_codes.get(redis_client, 9, 1) is None
    assert editor.get("/console/issues/9/event-codes/1.png").status_code == 404


def test_items_that_do_not_exist_are_404(editor, issue9):
    assert _make(editor, len(issue9) + 1, "temporary").status_code == 404
    assert editor.get("/console/issues/77/event-codes").status_code == 404
