"""The console's view of pushes, through the publishing part's functions (bot/publishing)."""

from __future__ import annotations

from datetime import datetime

import redis


class PushRefused(ValueError):
    """A push cannot be made or changed as asked; the message is one line for staff."""


def latest_state(r: redis.Redis, number: int) -> str:
    """The state of the newest push of an issue, or "" when it has none."""
    return ""


def quota(r: redis.Redis) -> dict:
    return {"remaining": None, "next_free": None, "text": "unknown"}


def tags() -> list[dict]:
    return []


def list_pushes(r: redis.Redis) -> list[dict]:
    return []


def status(r: redis.Redis, push_id: str) -> dict | None:
    return None


def schedule(
    r: redis.Redis,
    number: int,
    publish: bool,
    broadcast: bool,
    tag: str,
    at: datetime | None,
    by: str,
) -> str:
    raise PushRefused("publishing is not available yet")


def send_preview(r: redis.Redis, number: int, openid: str, by: str) -> str:
    raise PushRefused("publishing is not available yet")


def cancel(r: redis.Redis, push_id: str) -> None:
    raise PushRefused("publishing is not available yet")


def reschedule(r: redis.Redis, push_id: str, at: datetime) -> None:
    raise PushRefused("publishing is not available yet")
