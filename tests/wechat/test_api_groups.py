"""wechatpy's API groups with a base address of their own (statistics, customer service,
templates) reach the address derived from WECHAT_API_BASE, and the sandbox answers them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.wechat import WeChatAPIError


def beijing_yesterday(sandbox) -> date:
    """Statistics end yesterday at the latest, in Beijing time (the sandbox's clock)."""
    return datetime.fromtimestamp(sandbox.now(), timezone(timedelta(hours=8))).date() - timedelta(1)


def paths(sandbox) -> list[str]:
    return [c["path"] for c in sandbox.calls() if c["path"] not in ("token", "stable_token")]


def test_statistics_customer_service_and_templates_reach_the_sandbox(sandbox, bot_client):
    yesterday = beijing_yesterday(sandbox)
    week_ago = yesterday - timedelta(days=6)
    assert bot_client.datacube.get_user_summary(week_ago, yesterday) == []
    # The number of followers at the end of each day: none yet.
    counts = bot_client.datacube.get_user_cumulate(week_ago, yesterday)
    assert [c["cumulate_user"] for c in counts] == [0] * 7
    assert bot_client.datacube.get_article_summary(yesterday, yesterday) == []
    assert bot_client.datacube.get_article_total(yesterday, yesterday) == []
    assert bot_client.datacube.get_user_read(yesterday - timedelta(days=2), yesterday) == []
    assert bot_client.datacube.get_user_share(week_ago, yesterday) == []
    assert bot_client.customservice.get_accounts() == []
    assert bot_client.template.get_all_private_template()["template_list"] == []
    assert paths(sandbox)[:8] == [
        "datacube/getusersummary",
        "datacube/getusercumulate",
        "datacube/getarticlesummary",
        "datacube/getarticletotal",
        "datacube/getuserread",
        "datacube/getusershare",
        "customservice/getkflist",
        "template/get_all_private_template",
    ]
    assert all(c["errcode"] == 0 for c in sandbox.calls() if c["path"] in paths(sandbox))


def test_the_sandbox_checks_statistics_dates_as_wechat_does(sandbox, bot_client):
    yesterday = beijing_yesterday(sandbox)
    with pytest.raises(WeChatAPIError) as too_long:
        bot_client.datacube.get_article_summary(yesterday - timedelta(days=1), yesterday)
    assert too_long.value.errcode == 61501
    with pytest.raises(WeChatAPIError) as today:
        bot_client.datacube.get_user_summary(yesterday, yesterday + timedelta(days=1))
    assert today.value.errcode == 61501
    with pytest.raises(WeChatAPIError) as bad:
        bot_client.datacube._post("getusersummary", data={"begin_date": "yesterday"})
    assert bad.value.errcode == 61500


def test_api_groups_follow_another_api_base(sandbox, wx_env, redis_url):
    """A base with a path prefix (a proxy in front of WeChat) carries the groups along."""
    from bot.redisdb import connect
    from bot.wechat import build_client
    from config import load_settings

    env = {**wx_env, "WECHAT_API_BASE": "http://127.0.0.1:9/wechat-proxy/cgi-bin/"}
    client = build_client(load_settings(environ=env, dotenv=None), connect(redis_url))
    assert client.base_for("https://api.weixin.qq.com/datacube/") == (
        "http://127.0.0.1:9/wechat-proxy/datacube/"
    )
    assert client.base_for(None) == "http://127.0.0.1:9/wechat-proxy/cgi-bin/"


def test_wechatpy_kf_list_address_is_refused_like_any_unknown_api(sandbox, bot_client):
    """wechatpy's own address for the list (outside /cgi-bin/) is not WeChat's."""
    import requests

    token = bot_client.access_token
    answer = requests.get(f"{sandbox.url}/customservice/getkflist", params={"access_token": token})
    assert answer.json()["errcode"] == 40066
