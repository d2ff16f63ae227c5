"""The console in a real headless browser, against the real app, Redis, Celery and the sandbox.

Each page the test visits is kept as a screenshot under tests/artifacts/screenshots/console/.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, timedelta

import pytest

from bot import create_app
from bot.console import accounts
from config import PROJECT_ROOT
from tests.console.conftest import SHOTS_ROOT
from tests.support.live import Process, python_module, serve_wsgi, start_celery_worker

SHOTS = SHOTS_ROOT / "console"
SEED = PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"
PASSWORD = "publisher-pass-456"


@pytest.fixture
def live_console(sandbox, settings_env, redis_client):
    """The bot served on loopback with a Celery worker and beat, all talking to the sandbox."""
    env = {**settings_env, "WECHAT_API_BASE": sandbox.api_base}
    app = create_app(env)
    worker = beat = None
    with serve_wsgi(app) as url:
        # Safe mode: a broadcast's counts and URLs come only from an encrypted event.
        sandbox.configure(webhook_url=f"{url}/wechat", delivery_mode="safe")
        try:
            worker = start_celery_worker(env, name="console-e2e-worker")
            beat = Process(
                python_module("celery", "-A", "tasks.worker", "beat", "--loglevel=INFO"),
                env,
                "console-e2e-beat",
            )
            yield url
        finally:
            for proc in (beat, worker):
                if proc is not None:
                    proc.stop()


class Pages:
    """A browser tab on the console that keeps a numbered screenshot of every page it shows."""

    def __init__(self, page, base: str):
        self.page = page
        self.base = base
        self.count = 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str, page=None) -> None:
        self.count += 1
        (page or self.page).screenshot(
            path=str(SHOTS / f"{self.count:02d}-{name}.png"), full_page=True
        )

    def goto(self, path: str, name: str) -> None:
        self.page.goto(self.base + path)
        self.shot(name)

    def click(self, selector: str, heading: str, name: str) -> None:
        """Click, wait for the page whose heading contains `heading`, and keep its screenshot."""
        from playwright.sync_api import expect

        self.page.click(selector)
        expect(self.page.locator("h1")).to_contain_text(heading)
        self.shot(name)


def beijing(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def test_staff_import_preview_and_schedule_a_push_that_goes_out(
    browser, live_console, sandbox, redis_client, app
):
    from playwright.sync_api import expect

    follow = sandbox.follow("mei", language="zh_CN")
    assert follow["delivery"]["status"] == "reply"
    accounts.create_staff(redis_client, "paul", PASSWORD, "publisher")
    accounts.set_openid(redis_client, "paul", sandbox.openid("mei"))

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/Brussels"
    )
    tab = Pages(context.new_page(), live_console)
    page = tab.page
    try:
        # Sign in: an anonymous visit lands on the sign-in form.
        tab.goto("/console/", "sign-in")
        expect(page.locator("h1")).to_have_text("Sign in")
        page.fill("input[name=name]", "paul")
        page.fill("input[name=password]", PASSWORD)
        tab.click("main button[type=submit]", "Issues", "issues-empty")

        # Import the seed issue; the report comes before anything is stored.
        page.click("text=Import an issue")
        page.set_input_files("input[type=file]", str(SEED))
        tab.shot("import-form")
        page.click("text=Read the file")
        expect(page.locator("h1")).to_have_text("Import report: issue 9")
        tab.shot("import-report")
        tab.click("#confirm-import", "Issue 9", "issue")

        # Preview at phone width, then a preview to the staff member's WeChat.
        page.click("text=Preview")
        expect(page.locator("h1")).to_contain_text("Preview: issue 9")
        expect(page.locator(".state-ok")).to_have_text("passed")
        page.wait_for_load_state("networkidle")
        tab.shot("preview")
        page.click("#send-preview")
        expect(page.locator("#push-state")).to_have_text("previewed", timeout=30_000)
        tab.shot("preview-sent")
        previews = [m for m in sandbox.inbox("mei") if m.get("via") == "preview"]
        assert previews, sandbox.inbox("mei")

        # Schedule publish and broadcast a few seconds ahead, in Beijing time.
        page.goto(f"{live_console}/console/issues/9/push")
        at = datetime.now(app.extensions["settings"].tz) + timedelta(seconds=6)
        page.check("input[name=when][value=at]")
        page.fill("input[name=at]", beijing(at))
        expect(page.locator(".local-time").first).to_contain_text("your local time")
        tab.shot("push-form")
        tab.click("text=Review the push", "Confirm: push issue 9", "push-confirm")
        page.click("#confirm-push")
        expect(page.locator("#push-state")).to_have_text("scheduled")
        tab.shot("push-scheduled")
        # The page refreshes itself while the push runs, until it is done.
        expect(page.locator("#push-state")).to_have_text("broadcast", timeout=60_000)
        expect(page.locator("text=Broadcast:")).to_contain_text("sent")
        tab.shot("push-done")

        # Open the published article.
        with context.expect_page() as opened:
            page.locator("a.article-url").first.click()
        article = opened.value
        article.wait_for_load_state()
        assert re.search(r"MMSP|Foreword|FOREWORD|Issue", article.content())
        tab.shot("published-article", article)
        article.close()

        for path, name in [
            ("/console/pushes", "pushes"),
            ("/console/followers", "followers"),
            ("/console/menu?compare=1", "menu"),
            ("/console/account", "account"),
            ("/console/audit", "audit"),
        ]:
            tab.goto(path, name)
            assert page.locator("h1").count() == 1
            if name == "pushes":
                rows = page.locator("table.grid tr").all_inner_texts()
                assert any("publish and broadcast" in row and "paul" in row for row in rows)
        # The audit log names who did each step.
        log = page.locator("table.grid").inner_text()
        for action in ("signed in", "confirmed issue", "sent preview", "scheduled push"):
            assert action in log
    finally:
        with contextlib.suppress(Exception):
            tab.shot("last-page")
        context.close()
    # WeChat's side saw the issue mass-sent once, which published it: one public copy, no
    # freepublish beside it.
    assert len(sandbox.records("publishes")) == 0
    assert len(sandbox.records("mass")) == 1 and len(sandbox.records("articles")) == 1
