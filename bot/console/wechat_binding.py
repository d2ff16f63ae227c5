"""Binding a staff member's WeChat to their account, proven by a one-time code they send.

The account page shows a code; the staff member sends it to the official account from WeChat;
the webhook sees the code arrive from an openid and binds that openid to the account. Previews
go only to bound openids, so no one can send an unpublished issue to a phone they do not hold.
Keys: `staff:bindcode:{CODE}` -> staff name (expires), the openid in `staff:account:{name}`.
"""

from __future__ import annotations

import logging
import re
import secrets

import redis

from bot.console import accounts

log = logging.getLogger(__name__)

PREFIX = "BIND-"
CODE_TTL = 600
# No 0/O or 1/I: the code is read off a screen and typed into a phone.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE = re.compile(r"^BIND-([A-Z2-9]{8})$")

# Take a code once, whoever sends it first (GETDEL is newer than some servers we support).
_TAKE = """
local name = redis.call('GET', KEYS[1])
if name then redis.call('DEL', KEYS[1]) end
return name
"""


def _key(code: str) -> str:
    return f"staff:bindcode:{code}"


def new_code(r: redis.Redis, name: str) -> str:
    """A fresh one-time code for staff member `name` (their previous unused one stops working)."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    previous = r.get(f"staff:bindcode-of:{name}")
    pipe = r.pipeline()
    if previous:
        pipe.delete(_key(previous))
    pipe.set(_key(code), name, ex=CODE_TTL)
    pipe.set(f"staff:bindcode-of:{name}", code, ex=CODE_TTL)
    pipe.execute()
    return PREFIX + code


def live_code(r: redis.Redis, name: str) -> str | None:
    """The code `name` asked for last, while it still works (for the account page)."""
    code = r.get(f"staff:bindcode-of:{name}")
    if isinstance(code, bytes):
        code = code.decode()
    return PREFIX + code if code and r.exists(_key(code)) else None


def is_code(text: str) -> bool:
    """True when a follower's text has the shape of a binding code."""
    return bool(_CODE.match(text.strip().upper()))


def bind(r: redis.Redis, text: str, openid: str) -> str | None:
    """Bind `openid` to the staff member whose live code `text` is; their name, else None."""
    match = _CODE.match(text.strip().upper())
    if not match:
        return None
    name = r.eval(_TAKE, 1, _key(match.group(1)))
    if isinstance(name, bytes):
        name = name.decode()
    if not name or accounts.get_staff(r, name) is None:
        return None
    r.delete(f"staff:bindcode-of:{name}")
    accounts.set_openid(r, name, openid)
    log.info("staff %s bound a WeChat openid for previews", name)
    return name


def unbind(r: redis.Redis, name: str) -> None:
    accounts.set_openid(r, name, "")


def bound_staff(r: redis.Redis) -> list[accounts.Staff]:
    """Staff members with a bound WeChat: the only receivers of previews."""
    return [s for s in accounts.list_staff(r) if s.openid]


def openid_of(r: redis.Redis, name: str) -> str:
    """The bound openid of staff member `name`, or ""."""
    staff = accounts.get_staff(r, name)
    return staff.openid if staff else ""
