"""Staff accounts and their sessions, kept in Redis under `staff:` keys."""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass, replace

import redis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

log = logging.getLogger(__name__)

ROLES = ("editor", "publisher")
# Rank of each role: a route open to a rank is open to every higher one.
RANK = {"anonymous": 0, "editor": 1, "publisher": 2}

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10
SESSION_TTL = 8 * 3600  # seconds of inactivity before a session ends

# Sign-in attempts allowed per window, per account and per client address (signin_limits.py).
FAILURE_WINDOW = 15 * 60
MAX_FAILURES_ACCOUNT = 5
MAX_FAILURES_IP = 20

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): a few staff sign-ins a
# day need no more, and a guessing attacker is held back by the rate limits as well.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the account does not exist, so that the answer takes as long.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A staff account cannot be created or changed; the message says why in one line."""


@dataclass(frozen=True)
class Staff:
    """A staff member; `sid` is set when the object stands for one signed-in session."""

    name: str
    role: str
    openid: str = ""
    sid: str = ""

    def can(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]

    # What Flask-Login asks of a user: its id is the server-side session id, so that ending
    # that session in Redis signs the cookie out at its next request.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.sid


def _account_key(name: str) -> str:
    return f"staff:account:{name}"


def create_staff(r: redis.Redis, name: str, password: str, role: str = "editor") -> Staff:
    """Create an account, or replace the password and role of an existing one."""
    if not NAME_PATTERN.match(name):
        raise AccountError(
            "name must be 2-40 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    r.hset(
        _account_key(name),
        mapping={
            "name": name,
            "role": role,
            "password_hash": _hasher.hash(password),
            "created": str(int(time.time())),
        },
    )
    r.sadd("staff:accounts", name)
    end_sessions(r, name)
    return get_staff(r, name)


def get_staff(r: redis.Redis, name: str) -> Staff | None:
    data = r.hgetall(_account_key(name))
    if not data or data.get("role") not in ROLES:
        return None
    return Staff(name=data["name"], role=data["role"], openid=data.get("openid", ""))


def list_staff(r: redis.Redis) -> list[Staff]:
    found = (get_staff(r, name) for name in sorted(r.smembers("staff:accounts")))
    return [s for s in found if s]


def set_openid(r: redis.Redis, name: str, openid: str) -> None:
    """Store the WeChat openid that receives this staff member's previews."""
    openid = openid.strip()
    if openid and not re.fullmatch(r"[A-Za-z0-9_-]{10,64}", openid):
        raise AccountError("an openid is 10-64 letters, digits, '_' or '-'")
    r.hset(_account_key(name), "openid", openid)


def change_password(r: redis.Redis, name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    r.hset(_account_key(name), "password_hash", _hasher.hash(password))


def remove_staff(r: redis.Redis, name: str) -> bool:
    end_sessions(r, name)
    r.srem("staff:accounts", name)
    return bool(r.delete(_account_key(name)))


def check_password(r: redis.Redis, name: str, password: str) -> Staff | None:
    """The account when the password is right, else None (same cost whether or not it exists)."""
    stored = r.hget(_account_key(name), "password_hash") if NAME_PATTERN.match(name) else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if stored is None:
        return None
    if _hasher.check_needs_rehash(stored):
        r.hset(_account_key(name), "password_hash", _hasher.hash(password))
    return get_staff(r, name)


# --- server-side sessions (the cookie carries only a random id) ---------------------------


def start_session(r: redis.Redis, name: str) -> str:
    sid = secrets.token_urlsafe(32)
    pipe = r.pipeline()
    pipe.set(f"staff:session:{sid}", name, ex=SESSION_TTL)
    pipe.sadd(f"staff:sessions:{name}", sid)
    pipe.execute()
    return sid


def session_staff(r: redis.Redis, sid: str) -> Staff | None:
    """The signed-in staff member of a session id, extending the session while it is used."""
    if not sid:
        return None
    key = f"staff:session:{sid}"
    name = r.get(key)
    if not name:
        return None
    staff = get_staff(r, name)
    if staff is None:
        r.delete(key)
        return None
    r.expire(key, SESSION_TTL)
    return replace(staff, sid=sid)


def end_session(r: redis.Redis, sid: str) -> None:
    name = r.getdel(f"staff:session:{sid}")
    if name:
        r.srem(f"staff:sessions:{name}", sid)


def end_sessions(r: redis.Redis, name: str) -> None:
    """Sign a staff member out everywhere (on a new password, a new role or removal)."""
    sids = r.smembers(f"staff:sessions:{name}")
    if sids:
        r.delete(*(f"staff:session:{sid}" for sid in sids))
    r.delete(f"staff:sessions:{name}")
