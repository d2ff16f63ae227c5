"""Parametric QR codes for upcoming events, for posters and slides.

A code's scene is `event:<issue>:<n>`, the n-th COMING SOON item of an issue (the same id as a
reminder of it); scanning it makes WeChat send a SCAN event, or a subscribe event with the scene
after `qrscene_`, and the bot answers with the item. The image is drawn here from the URL that
`qrcode/create` returns (WeChat documents that URL as the content of its own image), so no call
to `showqrcode` is needed. Codes are kept under `qrcode:event:<issue>:<n>`.
"""

from __future__ import annotations

import io
import re
import time

import redis
import segno

# Generating_a_Parametric_QR_Code: temporary codes live at most 30 days.
THIRTY_DAYS = 30 * 86400
_SCENE = re.compile(r"^event:(\d{1,3}):(\d{1,3})$")


class CodeError(ValueError):
    """A QR code cannot be made as asked; the message is one line for staff."""


def scene_for(number: int, index: int) -> str:
    return f"event:{number}:{index}"


def parse_scene(scene: str) -> tuple[int, int] | None:
    """(issue, n) of an event code's scene, or None for any other scene."""
    found = _SCENE.match(scene or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


def _key(number: int, index: int) -> str:
    return f"qrcode:event:{number}:{index}"


def create(
    r: redis.Redis, client, number: int, index: int, permanent: bool, by: str
) -> dict[str, str]:
    """Ask WeChat for a code of the event (permanent, or for 30 days) and keep it."""
    request: dict = {"action_info": {"scene": {"scene_str": scene_for(number, index)}}}
    if permanent:
        request["action_name"] = "QR_LIMIT_STR_SCENE"
    else:
        request.update(action_name="QR_STR_SCENE", expire_seconds=THIRTY_DAYS)
    answer = client.qrcode.create(request)
    if not answer.get("url"):
        raise CodeError("WeChat answered without the code's URL; try again")
    seconds = answer.get("expire_seconds")
    code = {
        "ticket": answer["ticket"],
        "url": answer["url"],
        "kind": "permanent" if permanent else "temporary",
        "expires": str(time.time() + int(seconds)) if seconds else "",
        "created": str(time.time()),
        "by": by,
    }
    r.hset(_key(number, index), mapping=code)
    return code


def _with_expiry(code: dict[str, str], now: float) -> dict:
    expires = float(code.get("expires") or 0)
    return {**code, "expired": bool(expires) and now >= expires, "expires_at": expires or None}


def get(r: redis.Redis, number: int, index: int, now: float | None = None) -> dict | None:
    """The event's code with `expired` (a temporary code past its 30 days), or None."""
    code = r.hgetall(_key(number, index))
    return _with_expiry(code, time.time() if now is None else now) if code else None


def all_for_issue(r: redis.Redis, number: int, count: int) -> dict[int, dict]:
    """The codes of an issue's first `count` COMING SOON items, by item number."""
    pipe = r.pipeline(transaction=False)
    for index in range(1, count + 1):
        pipe.hgetall(_key(number, index))
    now = time.time()
    codes = enumerate(pipe.execute(), start=1)
    return {index: _with_expiry(code, now) for index, code in codes if code}


def png(url: str, scale: int = 10) -> bytes:
    """The code's image as PNG, large enough for a poster (a quiet zone of 4 modules)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
