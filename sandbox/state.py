"""The sandbox's state in Redis under `sandbox:` keys: clock, account, settings, followers, logs."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import string
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import redis

# WeChat's days (quotas, statistics) are Beijing days.
BEIJING = timezone(timedelta(hours=8))

PREFIX = "sandbox:"
CALL_LOG_LENGTH = 2000

# Settings that a test or the operator may change at run time (POST /sandbox/control/config).
DEFAULT_CONFIG: dict[str, Any] = {
    "webhook_url": "",
    # "subscription" (1 mass send a day) or "service" (4 a month); quota None = the account type's.
    "account_type": "subscription",
    "mass_quota": None,
    # Seconds a freepublish job stays "publishing", and its final publish_status (0 = success).
    "publish_delay": 1.0,
    "publish_outcome": 0,
    # Seconds a mass send stays SENDING before MASSSENDJOBFINISH, and how it ends ("send success",
    # "send fail" or an "err(N)" of WeChat's list).
    "mass_delay": 0.5,
    "mass_outcome": "send success",
    # API mass-send protection: a send to all waits for /sandbox/control/mass/confirm (30 min).
    "mass_protection": False,
    # How sandbox.delivery calls the webhook: "plain", "compatible" or "safe" (encrypt_type=aes),
    # WeChat's 5-second timeout, and how many calls in all when no answer comes in time. Safe by
    # default, like the bot (WECHAT_MESSAGE_MODE) when it has the account's EncodingAESKey.
    "delivery_mode": "safe",
    "delivery_timeout": 5.0,
    "delivery_attempts": 3,
    # False: the account lacks WeChat's verification, and the APIs that need it answer 48001.
    "verified": True,
    # Addresses allowed to fetch tokens (the platform's IP whitelist); None allows any.
    "ip_whitelist": None,
}


@dataclass(frozen=True)
class Account:
    """The sandbox's one official account (the bot's WECHAT_* settings, or generated ones)."""

    appid: str
    secret: str
    token: str
    aes_key: str

    @property
    def original_id(self) -> str:
        """The account's `gh_` id, the ToUserName of every delivery."""
        return "gh_" + hashlib.sha1(self.appid.encode()).hexdigest()[:12]

    @classmethod
    def generate(cls) -> Account:
        alphabet = string.ascii_letters + string.digits
        return cls(
            appid="wx" + secrets.token_hex(8),
            secret=secrets.token_hex(16),
            token=secrets.token_urlsafe(12).replace("-", "x").replace("_", "y"),
            aes_key="".join(secrets.choice(alphabet) for _ in range(43)),
        )

    def to_dict(self) -> dict[str, str]:
        return {**asdict(self), "original_id": self.original_id}


def key(*parts: object) -> str:
    return PREFIX + ":".join(str(p) for p in parts)


class SandboxState:
    """Every piece of the sandbox's state, read and written in Redis (so it survives restarts)."""

    def __init__(self, redis_url: str, account: Account):
        self.account = account
        self.redis_url = redis_url
        self.r = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
        # Uploaded files are bytes; they need a client that does not decode.
        self.raw = redis.Redis.from_url(redis_url, decode_responses=False, socket_timeout=5)
        # Set by `serve` once it listens; other processes read the address from Redis.
        self.public_base = ""

    # -- clock: tests move it forward to expire tokens or leave the 48-hour window ----------
    def now(self) -> float:
        """The sandbox's time: the real time plus the offset the control API added."""
        return time.time() + float(self.r.get(key("clock", "offset")) or 0)

    def advance_clock(self, seconds: float) -> float:
        self.r.incrbyfloat(key("clock", "offset"), float(seconds))
        return self.now()

    def public_url(self) -> str:
        """The address the sandbox serves on (for the URLs of images and articles)."""
        return self.public_base or self.r.get(key("public_url")) or "http://127.0.0.1"

    # -- run-time settings ----------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        stored = self.r.hgetall(key("config"))
        return {**DEFAULT_CONFIG, **{k: json.loads(v) for k, v in stored.items()}}

    def update_config(self, values: dict[str, Any]) -> dict[str, Any]:
        unknown = set(values) - set(DEFAULT_CONFIG)
        if unknown:
            raise ValueError(f"unknown setting {sorted(unknown)[0]!r}")
        if values.get("account_type", "subscription") not in {"subscription", "service"}:
            raise ValueError("account_type must be 'subscription' or 'service'")
        if values.get("delivery_mode", "plain") not in {"plain", "compatible", "safe"}:
            raise ValueError("delivery_mode must be 'plain', 'compatible' or 'safe'")
        if not isinstance(values.get("verified", True), bool):
            raise ValueError("verified must be true or false")
        whitelist = values.get("ip_whitelist")
        if whitelist is not None and not (
            isinstance(whitelist, list) and all(isinstance(ip, str) for ip in whitelist)
        ):
            raise ValueError("ip_whitelist must be a list of addresses, or null")
        if values:
            self.r.hset(key("config"), mapping={k: json.dumps(v) for k, v in values.items()})
        return self.config()

    # -- counters and the API call log ------------------------------------------------------
    def count(self, name: str, amount: int = 1) -> int:
        return self.r.hincrby(key("counts"), name, amount)

    def counts(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.r.hgetall(key("counts")).items()}

    def log_call(self, entry: dict[str, Any]) -> None:
        pipe = self.r.pipeline()
        pipe.lpush(key("calls"), json.dumps(entry, ensure_ascii=False))
        pipe.ltrim(key("calls"), 0, CALL_LOG_LENGTH - 1)
        pipe.execute()

    def calls(self, limit: int = 200) -> list[dict[str, Any]]:
        """The latest API calls, oldest first."""
        rows = self.r.lrange(key("calls"), 0, max(limit, 1) - 1)
        return [json.loads(row) for row in reversed(rows)]

    def next_id(self, kind: str, start: int = 1000) -> int:
        """A fresh number for ids (msg_id, publish_id, tag id), increasing across restarts."""
        counter = key("ids", kind)
        self.r.setnx(counter, start)
        return self.r.incr(counter)

    # -- JSON records (drafts, publish jobs, mass sends, ...) ---------------------------------
    def put(self, kind: str, record_id: object, record: dict[str, Any]) -> None:
        self.r.hset(key(kind), str(record_id), json.dumps(record, ensure_ascii=False))

    def get(self, kind: str, record_id: object) -> dict[str, Any] | None:
        raw = self.r.hget(key(kind), str(record_id))
        return json.loads(raw) if raw else None

    def delete(self, kind: str, record_id: object) -> bool:
        return bool(self.r.hdel(key(kind), str(record_id)))

    def all(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: json.loads(v) for k, v in self.r.hgetall(key(kind)).items()}

    # -- followers (shared with sandbox.followers) ------------------------------------------
    def openid_for(self, name: str) -> str:
        """A stable openid for a follower's name, shaped like WeChat's (28 characters)."""
        digest = hashlib.sha1(f"{self.account.appid}:{name}".encode()).digest()
        return "o" + base64.urlsafe_b64encode(digest).decode()[:27]

    def follow(self, openid: str, nickname: str = "", language: str = "zh_CN") -> dict[str, Any]:
        """Subscribe (or re-subscribe) a follower; following opens the one-minute window."""
        now = self.now()
        fkey = key("follower", openid)
        if self.r.hget(fkey, "subscribe") != "1":
            self.count_growth("new_user")
        self.r.hset(
            fkey,
            mapping={
                "openid": openid,
                "nickname": nickname or self.r.hget(fkey, "nickname") or openid[-6:],
                "language": language,
                "subscribe": 1,
                "subscribe_time": int(now),
            },
        )
        self.r.hsetnx(fkey, "tagid_list", "[]")
        # A sandbox follower comes with their name as the remark staff would give them in
        # WeChat (which returns no nicknames): the bot's console shows followers by it.
        self.r.hsetnx(fkey, "remark", nickname)
        self.r.zadd(key("followers"), {openid: now})
        if nickname:
            self.r.hset(key("follower_names"), nickname, openid)
        self.touch(openid, "event")
        return self.follower(openid) or {}

    def unfollow(self, openid: str) -> None:
        if self.r.hget(key("follower", openid), "subscribe") == "1":
            self.count_growth("cancel_user")
        self.r.hset(key("follower", openid), mapping={"subscribe": 0, "tagid_list": "[]"})
        self.r.zrem(key("followers"), openid)

    def count_growth(self, field: str) -> None:
        """Count a follow (new_user) or unfollow (cancel_user) on today's Beijing date, for
        datacube's getusersummary and getusercumulate (sandbox.statistics)."""
        day = datetime.fromtimestamp(self.now(), BEIJING).date().isoformat()
        self.r.hincrby(key("stats", "growth"), f"{day}|{field}", 1)

    def follower(self, openid: str) -> dict[str, Any] | None:
        data = self.r.hgetall(key("follower", openid))
        if not data:
            return None
        data["subscribe"] = int(data.get("subscribe", 0))
        data["subscribe_time"] = int(data.get("subscribe_time", 0))
        for name in ("last_interaction", "message_at", "event_at"):
            data[name] = float(data.get(name, 0))
        for name in ("message_sends", "event_sends"):
            data[name] = int(data.get(name, 0))
        data["tagid_list"] = json.loads(data.get("tagid_list", "[]"))
        return data

    def follower_by_name(self, name: str) -> dict[str, Any] | None:
        openid = self.r.hget(key("follower_names"), name) or self.openid_for(name)
        return self.follower(openid)

    def operator_openid(self) -> str:
        """The account operator's openid: the sender of job-finish events (publish, mass send)."""
        return self.openid_for("~operator")

    def follower_openids(self) -> list[str]:
        """Current followers, in the order they subscribed."""
        return self.r.zrange(key("followers"), 0, -1)

    def touch(self, openid: str, window: str | None) -> None:
        """Record what a follower did; `window` "message" or "event" opens that kind of
        customer-service window afresh (sandbox.api.custom), None opens none (VIEW, LOCATION)."""
        now = self.now()
        fields: dict[str, Any] = {"last_interaction": now}
        if window in ("message", "event"):
            fields.update({f"{window}_at": now, f"{window}_sends": 0})
        self.r.hset(key("follower", openid), mapping=fields)

    def set_tags(self, openid: str, tag_ids: list[int]) -> None:
        self.r.hset(key("follower", openid), "tagid_list", json.dumps(sorted(set(tag_ids))))

    # -- housekeeping -------------------------------------------------------------------------
    def reset(self) -> int:
        """Forget everything under `sandbox:` (tests start from an empty platform)."""
        removed = 0
        for name in self.r.scan_iter(match=PREFIX + "*", count=500):
            removed += self.r.delete(name)
        return removed
