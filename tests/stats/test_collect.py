"""The statistics job against the sandbox: WeChat's spans, each day once, refusals."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest

from bot.redisdb import connect
from bot.stats import collect, store
from bot.wechat import build_client
from config import load_settings
from sandbox.state import BEIJING


@pytest.fixture
def wx(sandbox, settings_env, redis_url):
    env = {**settings_env, "WECHAT_API_BASE": sandbox.api_base}
    return build_client(load_settings(environ=env, dotenv=None), connect(redis_url))


def calls(sandbox, api: str) -> list[dict]:
    return [c for c in sandbox.calls(f"datacube/{api}") if c["path"] == f"datacube/{api}"]


def morning(sandbox) -> float:
    """09:00 Beijing time of the sandbox's next day (its clock moved there)."""
    now = datetime.fromtimestamp(sandbox.now(), BEIJING)
    at = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    return sandbox.advance_clock((at - now).total_seconds())


def test_yesterday_is_ready_only_after_eight_in_beijing():
    at = datetime(2026, 12, 1, 7, 59, tzinfo=BEIJING).timestamp()
    assert collect.last_ready_day(at) == date(2026, 11, 29)
    assert collect.last_ready_day(at + 60) == date(2026, 11, 30)


def test_missed_days_are_asked_in_spans_of_at_most_the_api_maximum():
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(10)] + [date(2026, 11, 20)]
    assert collect.spans(days, 3) == [
        (date(2026, 11, 1), date(2026, 11, 3)),
        (date(2026, 11, 4), date(2026, 11, 6)),
        (date(2026, 11, 7), date(2026, 11, 9)),
        (date(2026, 11, 10), date(2026, 11, 10)),
        (date(2026, 11, 20), date(2026, 11, 20)),
    ]


def test_twenty_missed_days_of_growth_take_three_calls_and_are_never_asked_again(
    sandbox, wx, redis_client
):
    sandbox.add_follower("alice")
    now = morning(sandbox)
    last = collect.last_ready_day(now)
    redis_client.set(store.GROWTH_FROM, (last - timedelta(days=19)).isoformat())
    assert collect.collect(redis_client, wx, now)["calls"] == 6
    assert len(calls(sandbox, "getusersummary")) == 3
    spans = [c for c in calls(sandbox, "getusercumulate") if not c.get("errcode")]
    assert len(spans) == 3
    cumulate = store.rows(redis_client, "stats:user_cumulate")
    assert len(cumulate) == 20 and cumulate[last.isoformat()]["cumulate_user"] == 1
    assert collect.collect(redis_client, wx, now)["calls"] == 0


def test_a_refusal_is_one_line_not_retried_and_asked_again_the_next_day(
    sandbox, wx, redis_client, caplog
):
    now = morning(sandbox)
    sandbox.configure(verified=False)  # statistics need a verified account: 48001
    with caplog.at_level(logging.WARNING, logger="bot.stats.collect"):
        result = collect.collect(redis_client, wx, now)
    assert result["refused"] == 2
    assert len(calls(sandbox, "getusersummary")) == 1  # 48001 is not retryable
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(lines) == 2 and all("48001" in line and "\n" not in line for line in lines)
    # The refused spans wait for the next day.
    assert collect.collect(redis_client, wx, now)["calls"] == 0
    sandbox.configure(verified=True)
    collect.collect(redis_client, wx, morning(sandbox))
    # (42001: a day later the token expired; the client renewed it and asked again.)
    answers = [c.get("errcode") for c in calls(sandbox, "getusersummary") if c["errcode"] != 42001]
    assert answers == [48001, 0, 0]  # the 7 refused days and the new one: 7 + 1
    first = redis_client.get(store.GROWTH_FROM)
    assert store.is_done(redis_client, "getusersummary", first)


def test_a_busy_answer_is_retried(sandbox, wx, redis_client):
    now = morning(sandbox)
    sandbox.set_faults(busy=1.0, paths=["datacube/getusercumulate"])
    result = collect.collect(redis_client, wx, now)
    assert result["refused"] == 1
    assert len(calls(sandbox, "getusercumulate")) == 3  # three attempts, then tomorrow
