"""`qrcode/create`: parametric QR codes, temporary (up to 30 days) or permanent.

A code is its ticket and the URL its image encodes (sandbox/qrcodes.py keeps them); a follower
"scans" it by either (sandbox/followers.py).
"""

from __future__ import annotations

import secrets
from typing import Any

from sandbox import qrcodes
from sandbox.api.calls import body, bp, ok, state
from sandbox.errors import ApiError

# Generating_a_Parametric_QR_Code: temporary codes live at most 30 days; scene_str is 1 to 64
# characters; a temporary code without expire_seconds lives 60 seconds.
MAX_EXPIRE_SECONDS = 2592000
DEFAULT_EXPIRE_SECONDS = 60
SCENE_STR_CHARS = 64
ACTIONS = {
    "QR_SCENE": ("temporary", "scene_id"),
    "QR_STR_SCENE": ("temporary", "scene_str"),
    "QR_LIMIT_SCENE": ("permanent", "scene_id"),
    "QR_LIMIT_STR_SCENE": ("permanent", "scene_str"),
}


def _scene(data: dict[str, Any], kind: str, field: str) -> str:
    scene = ((data.get("action_info") or {}).get("scene") or {}).get(field)
    if field == "scene_str":
        if not isinstance(scene, str) or not 1 <= len(scene) <= SCENE_STR_CHARS:
            raise ApiError(40053, "invalid action info, please check document")
        return scene
    top = 100000 if kind == "permanent" else 2**32 - 1
    if not isinstance(scene, int) or isinstance(scene, bool) or not 1 <= scene <= top:
        raise ApiError(40053, "invalid action info, please check document")
    return str(scene)


def _expire_seconds(data: dict[str, Any]) -> int:
    seconds = data.get("expire_seconds", DEFAULT_EXPIRE_SECONDS)
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
        raise ApiError(40097, "invalid args, expire_seconds must be a positive number")
    return min(seconds, MAX_EXPIRE_SECONDS)


@bp.route("/qrcode/create", methods=["POST"])
def qrcode_create():
    st = state()
    data = body()
    action = data.get("action_name")
    if action not in ACTIONS:
        raise ApiError(40097, "invalid args, action_name")
    kind, field = ACTIONS[action]
    scene = _scene(data, kind, field)
    ticket = "gQ" + secrets.token_urlsafe(30)
    url = f"http://weixin.qq.com/q/{secrets.token_urlsafe(16)}"
    code = {"ticket": ticket, "url": url, "scene": scene, "kind": kind, "created": st.now()}
    answer: dict[str, Any] = {"ticket": ticket, "url": url}
    if kind == "temporary":
        seconds = _expire_seconds(data)
        code["expires"] = st.now() + seconds
        answer["expire_seconds"] = seconds
    qrcodes.save_code(st, code)
    return ok(**answer)
