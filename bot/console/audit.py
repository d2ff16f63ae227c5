"""The console's audit log: who did what, when, kept in Redis (newest first, bounded)."""

from __future__ import annotations

import json
import logging
import time

import redis

log = logging.getLogger(__name__)

AUDIT_KEY = "staff:audit"
KEEP = 10_000


def record(r: redis.Redis, who: str, action: str, detail: str = "", ip: str = "") -> None:
    """Append one entry; the detail is a short human sentence, never a secret."""
    entry = {"ts": time.time(), "who": who, "action": action, "detail": detail[:300], "ip": ip}
    pipe = r.pipeline()
    pipe.lpush(AUDIT_KEY, json.dumps(entry, ensure_ascii=False))
    pipe.ltrim(AUDIT_KEY, 0, KEEP - 1)
    pipe.execute()
    log.info("audit %s %s %s", who, action, detail[:120])


def recent(r: redis.Redis, limit: int = 200, offset: int = 0) -> list[dict]:
    return [json.loads(raw) for raw in r.lrange(AUDIT_KEY, offset, offset + limit - 1)]
