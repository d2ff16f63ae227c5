"""`tags/create|get|update|delete`, `tags/members/batchtagging|batchuntagging`, `user/tag/get`."""

from __future__ import annotations

from typing import Any

from sandbox.api.calls import body, bp, ok, reply, state
from sandbox.errors import ApiError
from sandbox.state import SandboxState, key

NAME_BYTES = 30
MAX_TAGS = 100
MAX_TAGS_PER_USER = 20
BATCH_OPENIDS = 50
PAGE = 10000
# Ids 0, 1 and 2 are WeChat's own; 2 is the "star" group every account has.
RESERVED = {"2": "星标组"}
FIRST_ID = 100


def _tags(st: SandboxState) -> dict[str, str]:
    return {**RESERVED, **st.r.hgetall(key("tags"))}


def _name(data: dict[str, Any], st: SandboxState, own_id: str | None = None) -> str:
    tag = data.get("tag")
    name = tag.get("name") if isinstance(tag, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ApiError(45157, "invalid tag name")
    if len(name.encode("utf-8")) > NAME_BYTES:
        raise ApiError(45158, "tag name too long")
    if any(n == name and i != own_id for i, n in _tags(st).items()):
        raise ApiError(45157, "invalid tag name, the name is used by another tag")
    return name


def _tag_id(st: SandboxState, value: Any, editable: bool = False) -> str:
    tag_id = str(value) if isinstance(value, int | str) else ""
    if tag_id not in _tags(st) or (editable and tag_id in RESERVED):
        raise ApiError(45159, "invalid tag id")
    return tag_id


def members(st: SandboxState, tag_id: int) -> list[str]:
    """Followers who carry this tag, in the order they subscribed."""
    found = []
    for openid in st.follower_openids():
        follower = st.follower(openid)
        if follower and tag_id in follower["tagid_list"]:
            found.append(openid)
    return found


@bp.route("/tags/create", methods=["POST"])
def tags_create():
    st = state()
    name = _name(body(), st)
    if len(st.r.hkeys(key("tags"))) >= MAX_TAGS:
        raise ApiError(45056, "too many tags")
    tag_id = st.next_id("tag", FIRST_ID - 1)
    st.r.hset(key("tags"), str(tag_id), name)
    return reply(tag={"id": tag_id, "name": name})


@bp.route("/tags/get", methods=["GET"])
def tags_get():
    st = state()
    tags = [
        {"id": int(tag_id), "name": name, "count": len(members(st, int(tag_id)))}
        for tag_id, name in sorted(_tags(st).items(), key=lambda kv: int(kv[0]))
    ]
    return reply(tags=tags)


@bp.route("/tags/update", methods=["POST"])
def tags_update():
    st = state()
    data = body()
    tag = data.get("tag") if isinstance(data.get("tag"), dict) else {}
    tag_id = _tag_id(st, tag.get("id"), editable=True)
    st.r.hset(key("tags"), tag_id, _name(data, st, own_id=tag_id))
    return ok()


@bp.route("/tags/delete", methods=["POST"])
def tags_delete():
    st = state()
    tag = body().get("tag")
    tag_id = _tag_id(st, tag.get("id") if isinstance(tag, dict) else None, editable=True)
    for openid in members(st, int(tag_id)):
        follower = st.follower(openid) or {"tagid_list": []}
        st.set_tags(openid, [t for t in follower["tagid_list"] if t != int(tag_id)])
    st.r.hdel(key("tags"), tag_id)
    return ok()


def _batch(data: dict[str, Any], st: SandboxState) -> tuple[int, list[dict[str, Any]]]:
    tag_id = int(_tag_id(st, data.get("tagid")))
    openids = data.get("openid_list")
    if not isinstance(openids, list) or not openids or len(openids) > BATCH_OPENIDS:
        raise ApiError(40032, "invalid openid list size")
    followers = []
    for openid in openids:
        follower = st.follower(openid) if isinstance(openid, str) else None
        if follower is None or not follower["subscribe"]:
            raise ApiError(40003, "invalid openid")
        followers.append(follower)
    return tag_id, followers


@bp.route("/tags/members/batchtagging", methods=["POST"])
def tags_batchtagging():
    st = state()
    tag_id, followers = _batch(body(), st)
    for follower in followers:
        tags = follower["tagid_list"]
        if tag_id not in tags and len(tags) >= MAX_TAGS_PER_USER:
            raise ApiError(45059, "fans tag count out of limit")
    for follower in followers:
        st.set_tags(follower["openid"], [*follower["tagid_list"], tag_id])
    return ok()


@bp.route("/tags/members/batchuntagging", methods=["POST"])
def tags_batchuntagging():
    st = state()
    tag_id, followers = _batch(body(), st)
    for follower in followers:
        st.set_tags(follower["openid"], [t for t in follower["tagid_list"] if t != tag_id])
    return ok()


@bp.route("/tags/getidlist", methods=["POST"])
def tags_getidlist():
    st = state()
    openid = body().get("openid")
    follower = st.follower(openid) if isinstance(openid, str) else None
    if follower is None:
        raise ApiError(40003, "invalid openid")
    return reply(tagid_list=follower["tagid_list"])


@bp.route("/user/tag/get", methods=["POST"])
def user_tag_get():
    """Followers with a tag, 10 000 a page from next_openid."""
    st = state()
    data = body()
    tag_id = int(_tag_id(st, data.get("tagid")))
    openids = members(st, tag_id)
    return reply(page(openids, data.get("next_openid") or ""))


def page(openids: list[str], after: str) -> dict[str, Any]:
    """One page of openids after `after`, shaped as user/get and user/tag/get answer."""
    start = 0
    if after:
        if after not in openids:
            raise ApiError(40003, "invalid openid")
        start = openids.index(after) + 1
    chunk = openids[start : start + PAGE]
    if not chunk:
        return {"count": 0, "next_openid": ""}
    return {"count": len(chunk), "data": {"openid": chunk}, "next_openid": chunk[-1]}
