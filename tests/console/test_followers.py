"""The followers page (counts over time, languages) and the menu page (definition, diff, sync)."""

from __future__ import annotations

import re
import time

from bot.followers import menu as menu_file
from bot.followers import records

DAY = 86400


def test_followers_page_counts_followers_over_time_and_by_language(editor_client, redis_client):
    now = time.time()
    for i, lang in enumerate(["en", "zh", "zh", "zh"]):
        records.subscribe(redis_client, f"oFOLLOWER000{i}", lang=lang, now=now - (10 - i) * DAY)
    records.subscribe(redis_client, "oFOLLOWER0009", lang="en", now=now - 20 * DAY)
    records.unsubscribe(redis_client, "oFOLLOWER0009", now=now - 2 * DAY)

    page = editor_client.get("/console/followers").get_data(as_text=True)
    assert "<strong>4</strong> follow the account now; 1 have left" in page
    assert re.search(r"<td[^>]*>Chinese</td><td[^>]*>3</td>", page)
    assert re.search(r"<td[^>]*>English</td><td[^>]*>1</td>", page)
    points = re.search(r'<polyline points="([^"]+)"', page).group(1).split()
    assert len(points) == 30
    heights = [float(p.split(",")[1]) for p in points]
    # SVG y grows downwards: a month ago there were none (bottom), five at the peak, and the
    # departure two days ago shows as a drop from that peak on the last day.
    assert heights[0] > min(heights) and heights[-1] > min(heights)


def test_menu_page_shows_the_definition_and_the_difference_with_wechat(
    app, sandbox, settings_env, redis_client, staff
):
    from bot import create_app
    from tests.console.conftest import signed_in

    live = create_app({**settings_env, "WECHAT_API_BASE": sandbox.api_base})
    publisher = signed_in(live, redis_client, "paul")
    token = publisher.csrf
    wanted = menu_file.load()
    first = menu_file.describe(wanted)[0]

    page = publisher.get("/console/menu").get_data(as_text=True)
    assert first in page
    compared = publisher.get("/console/menu?compare=1").get_data(as_text=True)
    assert "+" + first in compared  # WeChat has no menu yet: every line is to add

    synced = publisher.post("/console/menu/sync", data={"csrf_token": token})
    assert "The menu is sent to WeChat" in publisher.get(synced.headers["Location"]).get_data(True)
    after = publisher.get("/console/menu?compare=1").get_data(as_text=True)
    assert "in sync" in after
