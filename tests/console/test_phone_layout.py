"""The console on a 390-px phone: tables become cards and every row keeps its actions in view."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.console import accounts
from bot.newsletter import store
from bot.newsletter.issue_cli import SAMPLE_ISSUE, read_issue_file
from bot.publishing import api
from tests.console.conftest import PUBLISHER_PASSWORD, SHOTS_ROOT
from tests.support.live import serve_wsgi

SHOTS = SHOTS_ROOT / "phone"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def console_with_content(app, redis_client):
    """The console served on loopback with an issue, a scheduled push and audit entries."""
    accounts.create_staff(redis_client, "paul", PUBLISHER_PASSWORD, "publisher")
    store.save_issue(redis_client, read_issue_file(SAMPLE_ISSUE), source="issue-09.txt")
    with app.app_context():
        at = datetime.now(app.extensions["settings"].tz) + timedelta(days=2)
        api.start_push(redis_client, 9, publish=True, at=at, by="paul", preview_to=[])
    with serve_wsgi(app) as url:
        yield url


def _overflow(page) -> int:
    """How many pixels the page is wider than the screen (0 when nothing runs off it)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _in_view(page, selector: str) -> None:
    links = page.locator(selector)
    assert links.count() > 0, f"no {selector} on {page.url}"
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
            f"{selector} #{i} lies outside the phone's screen: {box}"
        )


@pytest.mark.parametrize(
    "viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"]
)
def test_tables_fit_the_screen_with_their_actions_visible(browser, console_with_content, viewport):
    context = browser.new_context(viewport=viewport, locale="en-GB")
    page = context.new_page()
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(console_with_content + "/console/login")
        page.fill("input[name=name]", "paul")
        page.fill("input[name=password]", PUBLISHER_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_selector("text=Issues")
        for path, actions in [
            ("/console/", "table.grid a:text('Push')"),
            ("/console/pushes", "table.grid a:text('Status')"),
            ("/console/audit", "table.grid td"),
            ("/console/issues/9", "main a"),
            ("/console/followers", "main h1"),
        ]:
            page.goto(console_with_content + path)
            name = path.strip("/").replace("/", "-") or "issues"
            page.screenshot(path=str(SHOTS / f"{viewport['width']}-{name}.png"), full_page=True)
            assert _overflow(page) <= 0, f"{path} runs {_overflow(page)} px off the screen"
            if viewport is PHONE:
                _in_view(page, actions)
        if viewport is PHONE:
            # Each row is a card that names its columns, since the header row is hidden.
            page.goto(console_with_content + "/console/pushes")
            state_cell = page.locator("table.grid td[data-label=State]").first
            label = state_cell.evaluate("td => getComputedStyle(td, '::before').content")
            assert label == '"State: "', label
            assert page.locator("table.grid thead").is_hidden()
    finally:
        context.close()
