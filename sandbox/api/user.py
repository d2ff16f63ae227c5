"""`user/get` (paged by next_openid), `user/info`, its batchget, and `updateremark`."""

from __future__ import annotations

from typing import Any

from flask import request

from sandbox.api.calls import body, bp, ok, reply, state
from sandbox.api.tags import page
from sandbox.errors import ApiError
from sandbox.state import SandboxState, key

LANGS = {"zh_CN", "zh_TW", "en"}
BATCH_MAX = 100
REMARK_CHARS = 30


def user_info(st: SandboxState, openid: Any) -> dict[str, Any]:
    """What user/info tells about one openid (no nickname or avatar: WeChat dropped them)."""
    follower = st.follower(openid) if isinstance(openid, str) and openid else None
    if follower is None:
        raise ApiError(40003, "invalid openid")
    if not follower["subscribe"]:
        return {"subscribe": 0, "openid": openid, "tagid_list": []}
    return {
        "subscribe": 1,
        "openid": openid,
        # Documented as no longer provided; WeChat answers zh_CN whatever the phone's language.
        "language": "zh_CN",
        "subscribe_time": follower["subscribe_time"],
        "unionid": "",
        "remark": follower.get("remark", ""),
        "groupid": 0,
        "tagid_list": follower["tagid_list"],
        "subscribe_scene": follower.get("subscribe_scene", "ADD_SCENE_SEARCH"),
        "qr_scene": 0,
        "qr_scene_str": follower.get("qr_scene_str", ""),
    }


@bp.route("/user/get", methods=["GET"])
def user_get():
    st = state()
    openids = st.follower_openids()
    return reply({"total": len(openids), **page(openids, request.args.get("next_openid", ""))})


@bp.route("/user/info", methods=["GET"])
def user_info_view():
    lang = request.args.get("lang", "zh_CN")
    if lang not in LANGS:
        raise ApiError(40097, "invalid args, lang must be zh_CN, zh_TW or en")
    return reply(user_info(state(), request.args.get("openid")))


@bp.route("/user/info/batchget", methods=["POST"])
def user_info_batchget():
    st = state()
    users = body().get("user_list")
    if not isinstance(users, list) or not 1 <= len(users) <= BATCH_MAX:
        raise ApiError(40097, "invalid args, user_list must hold 1 to 100 users")
    infos = [user_info(st, u.get("openid") if isinstance(u, dict) else None) for u in users]
    return reply(user_info_list=infos)


@bp.route("/user/info/updateremark", methods=["POST"])
def user_updateremark():
    st = state()
    data = body()
    info = user_info(st, data.get("openid"))
    remark = data.get("remark")
    if not isinstance(remark, str) or len(remark) > REMARK_CHARS:
        raise ApiError(40097, "invalid args, remark is at most 30 characters")
    st.r.hset(key("follower", info["openid"]), "remark", remark)
    return ok()
