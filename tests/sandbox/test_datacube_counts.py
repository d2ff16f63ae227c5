"""The sandbox's datacube answers come from what its followers did: reads, shares, follows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests
from click.testing import CliRunner

from bot.redisdb import connect
from bot.wechat import WeChatAPIError, build_client
from config import load_settings
from sandbox.follower_cli import read as read_command
from sandbox.state import BEIJING
from tests.sandbox.test_api_mass import new_draft


@pytest.fixture
def client(sandbox, settings_env, redis_url):
    """The bot's WeChat client (wechatpy's own sends datacube calls to WeChat's host)."""
    sandbox.configure(mass_delay=0)
    env = {**settings_env, "WECHAT_API_BASE": sandbox.api_base}
    return build_client(load_settings(environ=env, dotenv=None), connect(redis_url))


def next_morning(sandbox) -> str:
    """Move the sandbox's clock to 09:00 Beijing time of the next day; returns yesterday."""
    now = datetime.fromtimestamp(sandbox.now(), BEIJING)
    morning = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    sandbox.advance_clock((morning - now).total_seconds())
    return now.date().isoformat()


def read(sandbox, name, url, share=""):
    body = {"url": url, "share": share}
    return sandbox.followers_api("POST", f"followers/{name}/read", json=body)


def test_reads_and_shares_of_a_mass_sent_article_are_its_statistics_the_next_day(
    sandbox, client, monkeypatch
):
    for name in ("alice", "bob", "chen"):
        sandbox.add_follower(name)
    sent = client.message.send_mass_article(new_draft(client, "Visa news"), is_to_all=True)
    sandbox.run_jobs()
    (card,) = [e for e in sandbox.inbox("alice") if e["via"] == "mass"]
    url = card["articles"][0]["url"]
    monkeypatch.setenv("SANDBOX_URL", sandbox.url)
    shown = CliRunner().invoke(read_command, [url, "--as", "alice", "--share"])
    assert shown.exit_code == 0, shown.output
    assert "alice read article 1" in shown.output and "shared it (friend)" in shown.output
    read(sandbox, "bob", url)
    read(sandbox, "bob", url, share="moments")
    today = next_morning(sandbox)

    datacube = client.datacube
    (summary,) = datacube.get_article_summary(today, today)
    msg_data_id = sandbox.records("mass")[str(sent["msg_id"])]["msg_data_id"]
    assert summary["msgid"] == f"{msg_data_id}_1" and summary["title"] == "Visa news"
    assert summary["ref_date"] == today
    assert (summary["int_page_read_user"], summary["int_page_read_count"]) == (2, 3)
    assert (summary["share_user"], summary["share_count"]) == (2, 2)

    (total,) = datacube.get_article_total(today, today)
    (detail,) = total["details"]
    assert detail["stat_date"] == today and detail["target_user"] == 3
    assert detail["int_page_read_user"] == 2 and detail["share_count"] == 2

    reads = {r["user_source"]: r for r in datacube.get_user_read(today, today)}
    assert reads[99999999]["int_page_read_count"] == 3
    shares = {r["share_scene"]: r["share_count"] for r in datacube.get_user_share(today, today)}
    assert shares == {1: 1, 2: 1}

    (growth,) = datacube.get_user_summary(today, today)
    assert (growth["new_user"], growth["cancel_user"]) == (3, 0)
    (count,) = datacube.get_user_cumulate(today, today)
    assert count["cumulate_user"] == 3
    # Today's figures do not exist yet: WeChat's date rule, 61501.
    tomorrow = (datetime.fromisoformat(today) + timedelta(days=1)).date().isoformat()
    with pytest.raises(WeChatAPIError) as refused:
        datacube.get_article_summary(tomorrow, tomorrow)
    assert refused.value.errcode == 61501


def test_an_article_read_by_fewer_than_three_is_left_out_of_the_daily_summary(sandbox, client):
    sandbox.add_follower("alice")
    client.message.send_mass_article(new_draft(client), is_to_all=True)
    sandbox.run_jobs()
    (card,) = [e for e in sandbox.inbox("alice") if e["via"] == "mass"]
    read(sandbox, "alice", card["articles"][0]["url"])
    today = next_morning(sandbox)
    assert client.datacube.get_article_summary(today, today) == []
    (total,) = client.datacube.get_article_total(today, today)
    assert total["details"][0]["int_page_read_user"] == 1


def test_unfollows_count_in_the_growth_of_their_day(sandbox, client):
    for name in ("alice", "bob"):
        sandbox.follow(name)
    sandbox.unfollow("bob")
    today = next_morning(sandbox)
    (growth,) = client.datacube.get_user_summary(today, today)
    assert (growth["new_user"], growth["cancel_user"]) == (2, 1)
    assert client.datacube.get_user_cumulate(today, today)[0]["cumulate_user"] == 1


def test_reading_something_that_is_not_an_article_is_refused_in_one_line(sandbox):
    sandbox.add_follower("alice")
    answer = requests.post(
        f"{sandbox.url}/sandbox/followers/alice/read", json={"url": "http://x/y"}, timeout=5
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "'http://x/y' is not the address of a published article"}


def test_opening_the_card_in_the_chat_page_counts_a_read(sandbox, client):
    for name in ("alice", "bob", "chen"):
        sandbox.add_follower(name)
    client.message.send_mass_article(new_draft(client), is_to_all=True)
    sandbox.run_jobs()
    for name in ("alice", "bob", "chen"):
        page = requests.get(f"{sandbox.url}/sandbox/chat/{name}", timeout=5).text
        link = page.split('class="card" href="')[1].split('"')[0].replace("&amp;", "&")
        opened = requests.get(sandbox.url + link, timeout=5)
        assert opened.status_code == 200 and "/sandbox/s/" in opened.url
    today = next_morning(sandbox)
    (summary,) = client.datacube.get_article_summary(today, today)
    assert summary["int_page_read_user"] == 3
