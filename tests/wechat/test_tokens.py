"""The shared token's forced refreshes (WeChat allows 20 a Beijing day, each invalidating every
other holder's token) and WeChat's per-minute limit, against the sandbox."""

from __future__ import annotations

import calendar
import logging
import time

import pytest

from bot.wechat import WeChatAPIError, with_retries
from bot.wechat.token import FORCE_BUDGET


def test_forcing_stops_well_before_wechats_cap_with_one_error_naming_the_cause(
    sandbox, bot_client, redis_client, caplog
):
    # Every call is refused as if the token had been revoked, whatever the token.
    sandbox.set_faults(token_revoked=1.0, paths=["draft/count"])
    token = bot_client.shared_token
    redis_client.set(token.day_key(), FORCE_BUDGET - 1)  # as if forced all day long

    def refused_again() -> None:
        redis_client.delete(token.forced_key)  # as if 30 s had passed since the last force
        with pytest.raises(WeChatAPIError) as caught:
            bot_client.draft.count()
        assert caught.value.errcode == 40001

    with caplog.at_level(logging.WARNING, logger="bot.wechat.token"):
        refused_again()
        assert sandbox.token_fetches()["stable_token_force"] == 1
        assert token.forced_today() == FORCE_BUDGET
        refused_again()
        refused_again()
    assert sandbox.token_fetches()["stable_token_force"] == 1  # no force past the budget
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "another system uses this AppID" in errors[0] and "forces" in errors[0]
    assert FORCE_BUDGET < 20


def test_the_force_count_is_per_beijing_day(bot_client):
    token = bot_client.shared_token
    # 15:59 and 16:01 UTC are two Beijing days; 00:30 and 15:30 UTC are one.
    day = calendar.timegm((2026, 3, 2, 0, 0, 0))
    assert token.day_key(day + 15 * 3600 + 59 * 60) != token.day_key(day + 16 * 3600 + 60)
    assert token.day_key(day + 30 * 60) == token.day_key(day + 15.5 * 3600)


def test_a_per_minute_limit_is_retried_when_the_minute_turns(sandbox, bot_client):
    sandbox.set_faults(rate_limits={"draft/count": {"limit": 1, "per": 60}})
    bot_client.draft.count()
    slept: list[float] = []

    def wait(seconds: float) -> None:
        slept.append(seconds)
        sandbox.advance_clock(seconds)  # WeChat's minute passes

    before = time.time()
    with_retries(bot_client.draft.count, sleep=wait)
    assert [c["errcode"] for c in sandbox.calls("draft/count")] == [0, 45011, 0]
    [delay] = slept
    assert 60 - before % 60 <= delay + 1 and delay <= 62
