"""The Redis connection shared by the app's requests (one pool per process)."""

from __future__ import annotations

import redis
from flask import Flask, current_app


def connect(url: str) -> redis.Redis:
    """A client with short timeouts, so that a dead Redis fails a request instead of hanging it."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=2,
        socket_connect_timeout=2,
        health_check_interval=30,
    )


def init_app(app: Flask) -> None:
    app.extensions["redis"] = connect(app.config["REDIS_URL"])


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]
