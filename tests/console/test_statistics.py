"""Statistics end to end: a broadcast of the seed issue, followers read and share it in the
sandbox, the next day the beat job reads WeChat's datacube and the console shows the numbers."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import datetime, timedelta

import pytest

from bot.console import accounts
from bot.publishing import api
from bot.stats import collect
from bot.wechat import build_client
from config import PROJECT_ROOT, load_settings
from sandbox.state import BEIJING
from tests.console.conftest import SHOTS_ROOT, signed_in
from tests.publishing import conftest as publishing
from tests.publishing.test_pipeline import _finished
from tests.support.live import wait_until

DOCS = PROJECT_ROOT / "docs"
SHOTS = SHOTS_ROOT / "statistics"

# The publishing tests' fixtures: settings pointed at the sandbox, followers, workers.
bot_env, bot_app = publishing.bot_env, publishing.bot_app
seed_issue, followers, webhook = publishing.seed_issue, publishing.followers, publishing.webhook
processes = publishing.processes


def _read(sandbox, name: str, url: str, share: str = "") -> None:
    body = {"url": url, "share": share}
    sandbox.followers_api("POST", f"followers/{name}/read", json=body)


def _next_morning(sandbox) -> tuple[str, float]:
    """09:00 Beijing time of the next day on the sandbox's clock; returns (yesterday, now)."""
    now = datetime.fromtimestamp(sandbox.now(), BEIJING)
    morning = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    return now.date().isoformat(), sandbox.advance_clock((morning - now).total_seconds())


def _broadcast_and_read(app, env, sandbox, starter, redis_client, number):
    """Push the issue to all followers, then: alice reads and shares article 1, bob reads it,
    chen reads it twice; bob reads article 2."""
    starter.worker(env)
    with app.app_context():
        push_id = api.start_push(redis_client, number, by="test", broadcast=True)["id"]
    push = wait_until(_finished(redis_client, push_id), 90, 0.2, "the push to finish")
    assert push.state == "done", push.fields
    first, second = push["article_urls"][:2]
    _read(sandbox, "alice", first, share="friend")
    _read(sandbox, "bob", first)
    _read(sandbox, "chen", first)
    _read(sandbox, "chen", first)
    _read(sandbox, "bob", second)
    return push


@pytest.fixture
def read_issue(seed_issue, bot_app, bot_env, webhook, sandbox, followers, processes, redis_client):
    """The seed issue pushed and read (_broadcast_and_read), and the sandbox's clock at 09:00
    the next day: (push, yesterday, now)."""
    push = _broadcast_and_read(bot_app, bot_env, sandbox, processes, redis_client, seed_issue)
    return (push, *_next_morning(sandbox))


def test_reads_and_shares_reach_the_issue_page_and_its_csv_the_next_day(
    read_issue, seed_issue, bot_app, bot_env, sandbox, redis_client
):
    push, day, now = read_issue

    # The beat job's task, run by the worker with the sandbox's clock.
    bot_app.extensions["celery"].send_task("stats.collect", kwargs={"now": now})
    msg_data_id = push["msg_data_id"]
    wait_until(
        lambda: redis_client.hlen(f"stats:article_total:{msg_data_id}") >= 2,
        60,
        0.2,
        "the statistics job to store getarticletotal",
    )
    wait_until(lambda: not redis_client.exists(collect.LOCK), 30, 0.2, "the job to end")

    accounts.create_staff(redis_client, "erin", "editor-pass-123", "editor")
    client = signed_in(bot_app, redis_client, "erin")
    page = client.get(f"/console/issues/{seed_issue}").get_data(as_text=True)
    section = page.split('id="statistics"')[1].split("</section>")[0]
    first_row = re.search(r"<tr>\s*<td data-label=\"Article\">.*?</tr>", section, re.S).group(0)
    cells = re.findall(r'data-label="(\w[\w-]*)"[^>]*>([^<]*)<', first_row)
    figures = dict(cells)
    # 3 followers reached; alice, bob, chen read (4 reads); one share: read-through 3/3.
    assert figures["Reached"] == "3" and figures["Readers"] == "3" and figures["Reads"] == "4"
    assert figures["Shares"] == "1" and figures["Read-through"] == "100%"
    assert section.count("<svg") >= 2  # read-through and readers/shares by day
    assert f"{day[5:]}: 3 readers" in section  # the bar's title, readable without JavaScript

    download = client.get(f"/console/issues/{seed_issue}/statistics.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    daily = [r for r in rows if r["msgid"] == f"{msg_data_id}_1" and r["date"] == day]
    assert daily and daily[0]["int_page_read_user"] == "3" and daily[0]["share_count"] == "1"
    total = next(r for r in rows if r["msgid"] == f"{msg_data_id}_2" and "total" in r["date"])
    assert total["int_page_read_user"] == "1" and total["target_user"] == "3"
    assert total["read_through"] == "0.3333"

    # Follower growth on the Followers page: three followed on that day.
    followers_page = client.get("/console/followers").get_data(as_text=True)
    assert "Growth reported by WeChat" in followers_page
    growth = client.get("/console/followers/growth.csv").get_data(as_text=True)
    assert f"{day},3,0,3" in growth

    # Each day is asked once: a second run the same day asks WeChat nothing.
    calls_before = len(sandbox.calls("datacube/getarticlesummary"))
    assert calls_before >= 1
    wx = build_client(load_settings(environ=bot_env, dotenv=None), redis_client)
    assert collect.collect(redis_client, wx, now)["calls"] == 0
    assert len(sandbox.calls("datacube/getarticlesummary")) == calls_before


def test_the_issue_page_draws_its_statistics_in_a_browser_on_a_desktop_and_a_phone(
    browser, read_issue, seed_issue, bot_env, webhook, redis_client
):
    from playwright.sync_api import expect

    push, _, now = read_issue
    wx = build_client(load_settings(environ=bot_env, dotenv=None), redis_client)
    collect.collect(redis_client, wx, now)
    assert redis_client.hlen(f"stats:article_total:{push['msg_data_id']}") >= 2
    accounts.create_staff(redis_client, "erin", "editor-pass-123", "editor")
    SHOTS.mkdir(parents=True, exist_ok=True)

    for width, height, name in ((1100, 900, "desktop"), (390, 844, "phone")):
        context = browser.new_context(
            viewport={"width": width, "height": height}, java_script_enabled=(name == "desktop")
        )
        page = context.new_page()
        try:
            page.goto(f"{webhook}/console/login")
            page.fill("input[name=name]", "erin")
            page.fill("input[name=password]", "editor-pass-123")
            page.click("main button[type=submit]")
            page.goto(f"{webhook}/console/issues/{seed_issue}#statistics")
            section = page.locator("#statistics")
            expect(section.locator("td[data-label=Read-through]").first).to_have_text("100%")
            charts = section.locator("svg.chart")
            # Read-through, and article 1's readers and shares by day (article 2's single
            # reader is under getarticlesummary's threshold of 3: no daily row for it).
            assert charts.count() == 2
            for i in range(charts.count()):
                box = charts.nth(i).bounding_box()
                assert box and box["width"] > 200 and box["x"] + box["width"] <= width
            page.screenshot(path=str(SHOTS / f"issue-statistics-{name}.png"), full_page=True)
            page.goto(f"{webhook}/console/followers#growth")
            growth = page.locator("#growth svg.chart")
            assert growth.count() == 2  # followers at the end of each day; follows and unfollows
            expect(growth.first.locator("circle title").last).to_contain_text(": 3")
            page.screenshot(path=str(SHOTS / f"followers-growth-{name}.png"), full_page=True)
            if name == "desktop":
                page.goto(f"{webhook}/console/issues/{seed_issue}#statistics")
                # The README's picture is refreshed on request only (the file is tracked).
                where = DOCS if os.environ.get("UPDATE_DOCS_SCREENSHOTS") else SHOTS
                section.screenshot(path=str(where / "console-statistics.png"))
        finally:
            context.close()
