"""GET /healthz: 200 when Redis answers, 503 otherwise."""

from __future__ import annotations

import redis
from flask import Blueprint, jsonify

from bot.redisdb import get_redis

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        get_redis().ping()
    except redis.RedisError as exc:
        return jsonify(status="unavailable", redis=type(exc).__name__), 503
    return jsonify(status="ok", redis="ok")
