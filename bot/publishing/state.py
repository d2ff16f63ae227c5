"""The push record in Redis (`push:` keys): state, each step's result, its runner's lease."""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis

from bot.redisdb import confirm_writes

log = logging.getLogger(__name__)

# The order of a push; publish and broadcast are skipped when staff did not ask for them.
STATES = ("pending", "drafted", "previewed", "publishing", "published", "broadcast", "done")
TERMINAL = ("done", "failed")

# A runner holds the push's lease while it works and renews it every LEASE/3 seconds; a killed
# runner's lease lapses after LEASE seconds and the next runner resumes from the recorded state.
LEASE_SECONDS = 6.0

_JSON_FIELDS = (
    "preview_to",
    "preview_done",
    "covers",
    "images",
    "articles_meta",
    "article_urls",
    "times",
)

# Write fields only while the lease is ours: a runner that lost it (paused, then resumed) must
# not record anything over the new runner's results.
_FENCED_HSET = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
"""
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class PushError(ValueError):
    """A push cannot be created or changed as asked; the message is one line for staff."""


class LeaseLost(RuntimeError):
    """Another runner took over this push; the current one must stop without writing."""


def push_key(push_id: str) -> str:
    return f"push:{push_id}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Push:
    """One push of an issue to WeChat, as recorded in Redis (fields decoded)."""

    id: str
    fields: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.fields.get(name)

    def get(self, name: str, default: Any = None) -> Any:
        value = self.fields.get(name)
        return default if value in (None, "") else value

    @property
    def state(self) -> str:
        return self.fields["state"]

    @property
    def number(self) -> int:
        return int(self.fields["number"])

    @property
    def publish(self) -> bool:
        return self.fields.get("publish") == "1"

    @property
    def broadcast(self) -> bool:
        return self.fields.get("broadcast") == "1"

    @property
    def again(self) -> bool:
        """Staff forced a repeat of a broadcast this issue already had (--again)."""
        return self.fields.get("again") == "1"

    @property
    def tag_id(self) -> int | None:
        tag = self.fields.get("tag_id") or ""
        return int(tag) if tag != "" else None


def load(r: redis.Redis, push_id: str) -> Push | None:
    raw = r.hgetall(push_key(push_id))
    if not raw:
        return None
    return Push(push_id, decode(raw))


def decode(raw: dict[str, str]) -> dict[str, Any]:
    """Fields as the push record holds them, with its JSON fields (lists, dicts) read."""
    fields: dict[str, Any] = dict(raw)
    for name in _JSON_FIELDS:
        if fields.get(name):
            fields[name] = json.loads(fields[name])
    return fields


def encode(values: dict[str, Any]) -> dict[str, str]:
    """Redis hash values: JSON for lists and dicts, '' for None, text for the rest."""
    out = {}
    for name, value in values.items():
        if isinstance(value, list | dict | tuple):
            out[name] = json.dumps(value, ensure_ascii=False)
        elif value is None:
            out[name] = ""
        elif isinstance(value, bool):
            out[name] = "1" if value else "0"
        else:
            out[name] = str(value)
    return out


def create(r: redis.Redis, push_id: str, values: dict[str, Any]) -> bool:
    """Store a new pending push under `push_id`; False if that id exists already (idempotent)."""
    record = encode({**values, "id": push_id, "state": "pending", "created_at": now_iso()})
    record["times"] = json.dumps({"pending": record["created_at"]})
    lua = (
        "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end "
        "redis.call('HSET', KEYS[1], unpack(ARGV)) return 1"
    )
    flat = [x for pair in record.items() for x in pair]
    created = bool(r.eval(lua, 1, push_key(push_id), *flat))
    if created:
        pipe = r.pipeline()
        pipe.zadd("push:all", {push_id: time.time()})
        pipe.set(f"push:issue:{values['number']}", push_id)
        # The dispatcher looks at it again if no worker has taken it up by then.
        pipe.zadd("push:active", {push_id: time.time() + 2 * LEASE_SECONDS})
        pipe.execute()
        confirm_writes(r)
    return created


class Lease:
    """The right to run one push, held in Redis with a heartbeat thread that renews it."""

    def __init__(self, r: redis.Redis, push_id: str, seconds: float = LEASE_SECONDS):
        self.redis = r
        self.push_id = push_id
        self.key = f"push:{push_id}:lease"
        self.token = secrets.token_hex(8)
        self.ms = int(seconds * 1000)
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> bool:
        if not self.redis.set(self.key, self.token, nx=True, px=self.ms):
            return False
        self.redis.zadd("push:active", {self.push_id: time.time() + self.ms / 1000}, xx=True)
        self._thread = threading.Thread(
            target=self._beat, name=f"lease-{self.push_id}", daemon=True
        )
        self._thread.start()
        return True

    def _beat(self) -> None:
        while not self._stop.wait(self.ms / 3000):
            try:
                renewed = self.redis.eval(_RENEW, 1, self.key, self.token, self.ms)
            except redis.RedisError as exc:
                log.warning("push %s: lease renewal failed: %s", self.push_id, exc)
                continue
            if not renewed:
                log.error("push %s: lease lost to another runner", self.push_id)
                self.lost.set()
                return
            # While a runner is alive the dispatcher leaves the push alone; after a crash it
            # hands the push to a worker within a lease's time.
            self.redis.zadd("push:active", {self.push_id: time.time() + self.ms / 1000}, xx=True)

    def release(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        try:
            self.redis.eval(_RELEASE, 1, self.key, self.token)
        except redis.RedisError as exc:
            log.warning("push %s: lease release failed: %s", self.push_id, exc)

    def record(self, push: Push, values: dict[str, Any]) -> None:
        """Write these fields to the push in Redis, only if this runner still holds the lease,
        and to `push`, the runner's copy, as load() would read them back."""
        if self.lost.is_set():
            raise LeaseLost(self.push_id)
        encoded = encode({**values, "updated_at": now_iso()})
        flat = [x for pair in encoded.items() for x in pair]
        if not self.redis.eval(
            _FENCED_HSET, 2, push_key(self.push_id), self.key, self.token, *flat
        ):
            self.lost.set()
            raise LeaseLost(self.push_id)
        # A step a fail-over dropped would be done again (a second draft): wait for a replica.
        confirm_writes(self.redis)
        push.fields.update(decode(encoded))

    def move(self, push: Push, state: str, values: dict[str, Any] | None = None) -> None:
        """Record `values` and enter `state` in one write, with the time of the step."""
        times = dict(push.get("times", {}))
        times[state] = now_iso()
        self.record(push, {**(values or {}), "state": state, "times": times})
        if state in TERMINAL:
            self.redis.zrem("push:active", self.push_id)
        log.info("push %s: issue %s is %s", self.push_id, push.number, state)
