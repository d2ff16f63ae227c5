"""What the statistics job read from WeChat, kept in Redis under `stats:` keys.

- `stats:broadcast:<msg_data_id>` the issue, push and Beijing day of a mass send (JSON)
- `stats:article_day:<msg_data_id>` getarticlesummary rows by "<idx>|<ref_date>"
- `stats:article_total:<msg_data_id>` the latest getarticletotal row by "<idx>"
- `stats:user_read`, `stats:user_summary`, `stats:user_cumulate` rows by ref_date;
  `stats:user_share` rows by "<ref_date>|<share_scene>"
- `stats:done:<api>` the days (or, for getarticletotal, the send days) read for good
- `stats:asked` "<api>|<begin>" -> the Beijing day it was last asked (asked once a day)
"""

from __future__ import annotations

import json
from typing import Any

import redis

BROADCASTS = "stats:broadcasts"
ASKED = "stats:asked"
GROWTH_FROM = "stats:growth_from"


def done_key(api: str) -> str:
    return f"stats:done:{api}"


def is_done(r: redis.Redis, api: str, day: str) -> bool:
    return bool(r.sismember(done_key(api), day))


def mark_done(r: redis.Redis, api: str, days: list[str]) -> None:
    if days:
        r.sadd(done_key(api), *days)


def asked_today(r: redis.Redis, api: str, begin: str, today: str) -> bool:
    return r.hget(ASKED, f"{api}|{begin}") == today


def mark_asked(r: redis.Redis, api: str, begin: str, today: str) -> None:
    r.hset(ASKED, f"{api}|{begin}", today)


def save_broadcast(r: redis.Redis, msg_data_id: str, facts: dict[str, Any]) -> None:
    r.hset(BROADCASTS, msg_data_id, json.dumps(facts))


def broadcasts(r: redis.Redis) -> dict[str, dict[str, Any]]:
    """Every mass send the job knows, by msg_data_id."""
    return {k: json.loads(v) for k, v in r.hgetall(BROADCASTS).items()}


def save_rows(r: redis.Redis, key: str, rows: dict[str, Any]) -> None:
    if rows:
        r.hset(key, mapping={field: json.dumps(row) for field, row in rows.items()})


def rows(r: redis.Redis, key: str) -> dict[str, Any]:
    return {field: json.loads(value) for field, value in r.hgetall(key).items()}
