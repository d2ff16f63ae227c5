"""`material/add_material|get_material|batchget_material|del_material|get_materialcount`."""

from __future__ import annotations

import secrets

from flask import Response, request

from sandbox.api.calls import batch_window, body, bp, ok, reply, require, state
from sandbox.api.media import (
    delete_file,
    file_url,
    load_file,
    sniff,
    store_file,
    uploaded_file,
)
from sandbox.errors import ApiError
from sandbox.state import SandboxState

# Size limit, errcode when exceeded, and accepted formats (None: not checked) per media type.
LIMITS = {
    "image": (10 * 1024 * 1024, 40009, {"bmp", "png", "jpg", "gif"}),
    "thumb": (64 * 1024, 40012, {"jpg"}),
    "voice": (2 * 1024 * 1024, 40010, None),
    "video": (10 * 1024 * 1024, 40011, None),
}


def find_material(st: SandboxState, media_id: str) -> dict | None:
    """A permanent material by media_id (drafts use it to check thumb_media_id)."""
    return st.get("materials", media_id)


@bp.route("/material/add_material", methods=["POST"])
def add_material():
    media_type = request.args.get("type", "")
    if media_type not in LIMITS:
        raise ApiError(40004, "invalid media type")
    data, name = uploaded_file()
    limit, size_error, formats = LIMITS[media_type]
    kind = sniff(data)
    if formats is not None and (kind is None or kind[0] not in formats):
        raise ApiError(40005, "invalid file type")
    if len(data) > limit:
        raise ApiError(size_error, f"invalid {media_type} size")
    st = state()
    file_id = store_file(st, data, kind[1] if kind else "application/octet-stream")
    media_id = secrets.token_urlsafe(32)
    record = {
        "type": media_type,
        "name": name,
        "file_id": file_id,
        "size": len(data),
        "update_time": int(st.now()),
        "url": "",
    }
    if media_type == "image":
        record["url"] = file_url(st, file_id)
    if media_type == "video":
        record["description"] = request.form.get("description", "")
    st.put("materials", media_id, record)
    # Only images have a URL in the answer (thumbs, voice and video do not).
    return reply(media_id=media_id, **({"url": record["url"]} if record["url"] else {}))


def _named_material(st: SandboxState) -> tuple[str, dict]:
    """The media_id the body names and its material; 40007 when there is no such material."""
    media_id = require(body(), "media_id")
    record = find_material(st, media_id)
    if record is None:
        raise ApiError(40007, "invalid media_id")
    return media_id, record


@bp.route("/material/get_material", methods=["POST"])
def get_material():
    st = state()
    _, record = _named_material(st)
    stored = load_file(st, record["file_id"])
    if stored is None:
        raise ApiError(40007, "invalid media_id")
    data, mime = stored
    # Files come back as the bytes themselves, as WeChat sends them (JSON only on errors).
    return Response(data, mimetype=mime)


@bp.route("/material/del_material", methods=["POST"])
def del_material():
    st = state()
    media_id, record = _named_material(st)
    st.delete("materials", media_id)
    delete_file(st, record["file_id"])
    return ok()


@bp.route("/material/batchget_material", methods=["POST"])
def batchget_material():
    data = body()
    media_type = data.get("type")
    if media_type not in {*LIMITS, "news"}:
        raise ApiError(40004, "invalid media type")
    offset, count = batch_window(data)
    # Old permanent "news" materials are gone (the draft box replaced them): none to list.
    records = [] if media_type == "news" else _of_type(state(), media_type)
    page = records[offset : offset + count]
    items = [
        {"media_id": media_id, "name": r["name"], "update_time": r["update_time"], "url": r["url"]}
        for media_id, r in page
    ]
    return reply(total_count=len(records), item_count=len(items), item=items)


def _of_type(st: SandboxState, media_type: str) -> list[tuple[str, dict]]:
    """Materials of one type, newest first as WeChat lists them."""
    rows = [(mid, r) for mid, r in st.all("materials").items() if r["type"] == media_type]
    return sorted(rows, key=lambda row: row[1]["update_time"], reverse=True)


@bp.route("/material/get_materialcount", methods=["GET"])
def get_materialcount():
    st = state()
    counts = {"voice_count": 0, "video_count": 0, "image_count": 0, "news_count": 0}
    for record in st.all("materials").values():
        name = "image" if record["type"] == "thumb" else record["type"]
        counts[f"{name}_count"] += 1
    return reply(counts)
