"""A publisher's console in Chromium, on a desktop and on a phone, against the sandbox: the
Followers list and its search, event QR codes, the facts before sending, scheduled pushes
(send now, filters), and the notice after editing a published issue."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from bot import create_app
from bot.console import accounts
from bot.newsletter import store
from bot.newsletter.issue_cli import SAMPLE_ISSUE, read_issue_file
from bot.publishing import state
from tests.console.conftest import PUBLISHER_PASSWORD, SHOTS_ROOT
from tests.support.live import serve_wsgi

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def live(sandbox, settings_env, redis_client):
    """The console on loopback, its WeChat the sandbox, with issue 9 and three followers."""
    app = create_app({**settings_env, "WECHAT_API_BASE": sandbox.api_base})
    accounts.create_staff(redis_client, "paul", PUBLISHER_PASSWORD, "publisher")
    store.save_issue(redis_client, read_issue_file(SAMPLE_ISSUE), source="issue-09.txt")
    with serve_wsgi(app) as url:
        sandbox.configure(webhook_url=f"{url}/wechat")
        for name in ("mei", "alice", "bob"):
            sandbox.follow(name)
        yield url, app


def _published_then_edited(redis_client) -> None:
    """Version 1 was broadcast; version 2 (a corrected foreword) is current."""
    state.create(redis_client, "p1", {"number": 9, "broadcast": True, "version": 1})
    lease = state.Lease(redis_client, "p1")
    assert lease.acquire()
    for step in ("drafted", "previewed", "broadcast", "done"):
        lease.move(state.load(redis_client, "p1"), step, {})
    lease.release()
    edited = store.get_issue(redis_client, 9)
    edited.foreword.paragraphs[0] = "A corrected first paragraph."
    store.save_issue(redis_client, edited, source="edit")
    store.confirm_issue(redis_client, 9)


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_a_publishers_console_on_a_desktop_and_a_phone(
    browser, live, sandbox, redis_client, device
):
    from playwright.sync_api import expect

    url, app = live
    shots = SHOTS_ROOT / f"publisher-{device}"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[device], locale="en-GB")
    page = context.new_page()

    def shot(name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} runs {overflow} px off the screen"

    try:
        page.goto(url + "/console/login")
        page.fill("input[name=name]", "paul")
        page.fill("input[name=password]", PUBLISHER_PASSWORD)
        page.click("main button[type=submit]")
        expect(page.locator("h1").first).to_contain_text("Issues")

        # Followers: listed by name, found by search.
        page.goto(url + "/console/followers")
        expect(page.locator("span.follower")).to_have_count(3)
        page.fill("input[name=q]", "ali")
        page.click("form.actions button[type=submit]")
        expect(page.locator("span.follower")).to_have_text(["alice"])
        shot("followers")

        # An event QR code, made through WeChat and shown as an image.
        page.goto(url + "/console/issues/9/event-codes")
        page.locator("main table.grid form button").first.click()
        expect(page.locator("img.qrcode")).to_have_count(1)
        assert page.locator("img.qrcode").evaluate("img => img.naturalWidth") > 100
        shot("event-codes")

        # The facts before sending: the audience counted by WeChat.
        page.goto(url + "/console/issues/9/push")
        page.check("input[name=when][value=at]")
        at = datetime.now(app.extensions["settings"].tz) + timedelta(days=1)
        page.fill("input[name=at]", at.strftime("%Y-%m-%dT%H:%M:%S"))
        page.click("text=Review the push")
        expect(page.locator("#audience")).to_have_text("all 3 followers")
        shot("confirm")
        page.click("#confirm-push")
        expect(page.locator("#push-state")).to_have_text("scheduled")
        expect(page.locator("#send-now")).to_be_visible()
        shot("scheduled")

        # The list, filtered by state.
        page.goto(url + "/console/pushes?state=scheduled")
        rows = page.locator("table.grid tbody tr")
        expect(rows).to_have_count(1)
        assert re.search(r"publish and broadcast", rows.first.inner_text())
        shot("pushes")

        # After an edit of a published issue: the notice and the correction.
        _published_then_edited(redis_client)
        page.goto(url + "/console/issues/9")
        expect(page.locator("#published-old-text")).to_contain_text("Followers read version 1")
        page.click("#publish-correction")
        expect(page.locator("input[name=broadcast]")).not_to_be_checked()
        expect(page.locator("input[name=publish]")).to_be_checked()
        shot("correction")

        # Nobody bound yet: the preview button is off, and looks it (not the accent colour).
        page.goto(url + "/console/issues/9/preview")
        send_preview = page.locator("#send-preview")
        expect(send_preview).to_be_disabled()
        look = "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).cursor]"
        off_look = send_preview.evaluate(look)
        assert off_look[1] == "not-allowed", off_look

        # Preview to my WeChat: the account page's one-time code, sent from WeChat, binds it.
        page.goto(url + "/console/account")
        page.click("#show-bind-code")
        code = page.locator("#bind-code").inner_text()
        reply = sandbox.say("mei", code)["replies"]
        assert any("paul" in r.get("content", "") for r in reply), reply
        page.goto(url + "/console/account")
        expect(page.locator("#wechat-binding")).to_contain_text("Previews reach your bound WeChat")
        shot("account")
        page.goto(url + "/console/issues/9/preview")
        expect(page.locator("#send-preview")).to_be_enabled()
        on_look = page.locator("#send-preview").evaluate(look)
        assert on_look[1] == "pointer" and on_look[0] != off_look[0], (on_look, off_look)

        # A follower's long question waits on the Messages page, by name, with a reply box.
        question = "Could you tell me more about the training on document fraud? " * 4
        sandbox.say("alice", question)
        page.goto(url + "/console/messages")
        expect(page.locator("main")).to_contain_text("alice")
        page.fill("textarea[name=text]", "Thank you, the team will write to you this week.")
        page.click("main form button")
        expect(page.locator(".flash")).to_contain_text("The reply is sent.")
        shot("messages")
    finally:
        context.close()
