"""`message/mass/sendall|send|preview|get|delete`: mass sends, clientmsgid dedup, quotas."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sandbox import jobs
from sandbox.api.calls import body, bp, ok, state
from sandbox.api.draft import draft_url, find_draft
from sandbox.api.material import find_material
from sandbox.api.media import file_url
from sandbox.errors import ApiError
from sandbox.inbox import add_to_inbox
from sandbox.publishing import china_period, mass_entry
from sandbox.state import SandboxState, key

DEDUP_SECONDS = 24 * 3600
CLIENTMSGID_BYTES = 64
MAX_LISTED = 10000
MSG_TYPES = {"mpnews", "text", "image"}
# A subscription account makes 1 mass send a day (to all or a tag). A service account sends to
# all followers once a day and 4 times a month; its tag sends are not counted (but see
# sandbox.publishing for what each follower receives).
SERVICE_MONTH = 4
# With API mass-send protection on, a send to all waits this long for an administrator.
CONFIRM_SECONDS = 30 * 60


def _limits(st: SandboxState, to_all: bool) -> list[tuple[int, str, str]]:
    """(limit, period unit, counter) of each quota this send counts against."""
    config = st.config()
    override = config["mass_quota"]
    if config["account_type"] == "subscription":
        return [(1 if override is None else int(override), "day", "all")]
    if not to_all:
        return []
    day = 1 if override is None else int(override)
    month = SERVICE_MONTH if override is None else int(override)
    return [(day, "day", "to_all"), (month, "month", "to_all")]


def _content(st: SandboxState, data: dict[str, Any], msgtype: str) -> dict[str, Any]:
    """What the message shows (articles, text or an image); ApiError when it does not exist."""
    part = data.get(msgtype)
    if not isinstance(part, dict):
        raise ApiError(47001, f"data format error, missing {msgtype}")
    if msgtype == "text":
        if not str(part.get("content") or "").strip():
            raise ApiError(44004, "empty content")
        return {"content": str(part["content"])}
    media_id = part.get("media_id")
    if msgtype == "mpnews":
        return {"media_id": media_id, "articles": find_draft(st, media_id)["articles"]}
    material = find_material(st, media_id) if isinstance(media_id, str) else None
    if material is None:
        raise ApiError(40007, "invalid media_id")
    return {"media_id": media_id, "url": material["url"] or file_url(st, material["file_id"])}


def _audience(st: SandboxState, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    flt = data.get("filter")
    if not isinstance(flt, dict):
        raise ApiError(47001, "data format error, missing filter")
    followers = st.follower_openids()
    if flt.get("is_to_all"):
        return {"is_to_all": True}, followers
    tag_id = flt.get("tag_id")
    if not isinstance(tag_id, int) or not st.r.hexists(key("tags"), str(tag_id)):
        raise ApiError(45159, "invalid tag id")
    members = [o for o in followers if tag_id in (st.follower(o) or {}).get("tagid_list", [])]
    return {"is_to_all": False, "tag_id": tag_id}, members


def _dedup_id(data: dict[str, Any], audience: dict[str, Any], msgtype: str) -> str:
    clientmsgid = data.get("clientmsgid")
    if clientmsgid not in (None, ""):
        if len(str(clientmsgid).encode("utf-8")) > CLIENTMSGID_BYTES:
            raise ApiError(45067, "clientmsgid size out of limit")
        return f"client:{clientmsgid}"
    # Without a clientmsgid WeChat derives one from the audience and the content.
    digest = json.dumps([audience, msgtype, data.get(msgtype)], sort_keys=True, ensure_ascii=False)
    return "auto:" + hashlib.sha1(digest.encode("utf-8")).hexdigest()


def _listed(st: SandboxState, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The audience of message/mass/send: 2 to 10 000 openids, each a follower."""
    openids = data.get("touser")
    if not isinstance(openids, list) or not 2 <= len(openids) <= MAX_LISTED:
        raise ApiError(40130, "invalid openid list size, at least two openid")
    for openid in openids:
        follower = st.follower(openid) if isinstance(openid, str) else None
        if follower is None or not follower["subscribe"]:
            raise ApiError(40003, "invalid openid")
    return {"touser": sorted(set(openids))}, list(dict.fromkeys(openids))


@bp.route("/message/mass/sendall", methods=["POST"])
def mass_sendall():
    """Send to all followers or to a tag."""
    data = body()
    return _submit(data, lambda st: _audience(st, data))


@bp.route("/message/mass/send", methods=["POST"])
def mass_send():
    """Send to a list of openids."""
    data = body()
    return _submit(data, lambda st: _listed(st, data))


def _claim_send(st: SandboxState, dedup_id: str, msg_id: int, now: float) -> None:
    """Take the send's dedup id atomically, or 45065 with the msg_id of the send that has it."""
    claim = json.dumps({"msg_id": msg_id, "at": now})
    if st.r.hsetnx(key("mass_ids"), dedup_id, claim):
        return
    earlier = json.loads(st.r.hget(key("mass_ids"), dedup_id) or claim)
    if now - earlier["at"] < DEDUP_SECONDS:
        # The same send within 24 h: refused, with the msg_id of the one already made.
        raise ApiError(45065, "clientmsgid exist", msg_id=earlier["msg_id"])
    st.r.hset(key("mass_ids"), dedup_id, claim)


def _spend_quota(st: SandboxState, to_all: bool) -> None:
    """Count one send against the account's quotas, or 45028 when one is spent."""
    taken = []
    for limit, unit, counter in _limits(st, to_all):
        quota_key = key("mass_quota", counter, china_period(st, unit))
        taken.append(quota_key)
        if st.r.incr(quota_key) > limit:
            for name in taken:
                st.r.decr(name)
            raise ApiError(45028, "has no masssend quota")
        st.r.expire(quota_key, 40 * 86400)


def _submit(data: dict[str, Any], audience_of) -> Any:
    st = state()
    msgtype = data.get("msgtype")
    if msgtype not in MSG_TYPES:
        raise ApiError(40008, "invalid message type")
    audience, recipients = audience_of(st)
    dedup_id = _dedup_id(data, audience, msgtype)
    now = st.now()
    msg_id = st.next_id("mass", 1000000000)
    _claim_send(st, dedup_id, msg_id, now)
    try:
        content = _content(st, data, msgtype)
        _spend_quota(st, bool(audience.get("is_to_all")))
    except ApiError:
        st.r.hdel(key("mass_ids"), dedup_id)  # nothing was sent: the id may be used again
        raise
    msg_data_id = st.next_id("msg_data", 2247480000)
    config = st.config()
    ready_at = now + float(config["mass_delay"])
    record = {
        "msg_id": msg_id,
        "msg_data_id": msg_data_id,
        "msgtype": msgtype,
        "filter": audience,
        "clientmsgid": data.get("clientmsgid") or "",
        "recipients": recipients,
        "msg_status": "SENDING",
        "create_time": int(now),
        "ready_at": ready_at,
        "outcome": str(config["mass_outcome"]),
        **content,
    }
    if config["mass_protection"] and audience.get("is_to_all"):
        # Held until an administrator confirms it (POST /sandbox/control/mass/confirm).
        record["confirm_by"] = now + CONFIRM_SECONDS
        ready_at = record["confirm_by"]
    st.put("mass", msg_id, record)
    if msgtype == "mpnews":
        # WeChat takes a draft out of the draft box once it is mass-sent.
        st.delete("drafts", content["media_id"])
    jobs.schedule(st, "mass", str(msg_id), ready_at)
    return ok(errmsg="send job submission success", msg_id=msg_id, msg_data_id=msg_data_id)


@bp.route("/message/mass/preview", methods=["POST"])
def mass_preview():
    """Send the message to one follower now (no quota); articles open as draft pages."""
    st = state()
    data = body()
    msgtype = data.get("msgtype")
    if msgtype not in MSG_TYPES:
        raise ApiError(40008, "invalid message type")
    openid = data.get("touser")
    if not openid and data.get("towxname"):
        follower = st.follower_by_name(str(data["towxname"]))
        openid = follower["openid"] if follower else None
    follower = st.follower(openid) if isinstance(openid, str) and openid else None
    if follower is None or not follower["subscribe"]:
        raise ApiError(40003, "invalid openid")
    content = _content(st, data, msgtype)
    record = {"msgtype": msgtype, **content}
    urls = []
    if msgtype == "mpnews":
        urls = [draft_url(st, content["media_id"], i) for i in range(len(content["articles"]))]
    add_to_inbox(st, openid, mass_entry(record, urls), sender="account", via="preview")
    return ok(errmsg="preview success", msg_id=st.next_id("mass", 1000000000))


def _find_mass(st: SandboxState, msg_id: Any) -> dict[str, Any]:
    record = st.get("mass", msg_id) if isinstance(msg_id, int | str) else None
    if record is None:
        raise ApiError(40097, "invalid args, unknown msg_id")
    return record


@bp.route("/message/mass/get", methods=["POST"])
def mass_get():
    st = state()
    msg_id = body().get("msg_id")
    jobs.finish_mass(st, str(msg_id))
    record = _find_mass(st, msg_id)
    return ok(msg_id=record["msg_id"], msg_status=record["msg_status"])


@bp.route("/message/mass/delete", methods=["POST"])
def mass_delete():
    """Delete a sent message (article_idx 0 or absent: the whole message)."""
    st = state()
    data = body()
    msg_id = _find_mass(st, data.get("msg_id"))["msg_id"]
    article_idx = data.get("article_idx") or 0
    with jobs.record_lock(st, "mass", msg_id):
        record = st.get("mass", msg_id)
        article_id = record.get("article_id")
        if article_id:
            published = st.get("articles", article_id)
            for idx, item in enumerate(published["news_item"], start=1):
                if article_idx in (0, idx):
                    item["is_deleted"] = True
            st.put("articles", article_id, published)
        if article_idx == 0:
            record["msg_status"] = "DELETE"
            st.put("mass", msg_id, record)
    return ok()
