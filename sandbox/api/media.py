"""`media/uploadimg`: article-body images (jpg/png under 1 MB), and the file store behind it."""

from __future__ import annotations

import secrets

from flask import request

from sandbox.api.calls import bp, reply, state
from sandbox.errors import ApiError
from sandbox.state import SandboxState, key

UPLOADIMG_BYTES = 1024 * 1024
# The path every image URL the sandbox hands out starts with (its stand-in for mmbiz.qpic.cn).
FILE_PATH = "/sandbox/mmbiz/"
_MAGIC = (
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"GIF8", "gif", "image/gif"),
    (b"BM", "bmp", "image/bmp"),
)


def sniff(data: bytes) -> tuple[str, str] | None:
    """The image format of these bytes as (extension, MIME type), or None if not an image."""
    for magic, ext, mime in _MAGIC:
        if data.startswith(magic):
            return ext, mime
    return None


def uploaded_file() -> tuple[bytes, str]:
    """The multipart `media` part (bytes and file name), or 41005 when the request has none."""
    upload = request.files.get("media")
    if upload is None:
        raise ApiError(41005, "media data missing")
    return upload.read(), upload.filename or "media"


def store_file(st: SandboxState, data: bytes, mime: str) -> str:
    """Keep the bytes under a new file id; the sandbox serves them at FILE_PATH + id."""
    file_id = secrets.token_urlsafe(24)
    st.raw.hset(key("file", file_id), mapping={"mime": mime, "data": data})
    return file_id


def load_file(st: SandboxState, file_id: str) -> tuple[bytes, str] | None:
    record = st.raw.hgetall(key("file", file_id))
    if not record:
        return None
    return record[b"data"], record[b"mime"].decode()


def delete_file(st: SandboxState, file_id: str) -> None:
    st.raw.delete(key("file", file_id))


def file_url(st: SandboxState, file_id: str) -> str:
    return f"{st.public_url()}{FILE_PATH}{file_id}"


def file_id_of(url: str) -> str | None:
    """The file id in one of the sandbox's image URLs (any host: the port may have changed)."""
    _, found, rest = url.partition(FILE_PATH)
    if not found:
        return None
    return rest.split("?")[0].split("#")[0] or None


@bp.route("/media/uploadimg", methods=["POST"])
def uploadimg():
    """An image for an article body: jpg or png under 1 MB; outside the material library."""
    data, name = uploaded_file()
    kind = sniff(data)
    if kind is None or kind[0] not in {"jpg", "png"}:
        raise ApiError(40005, "invalid file type")
    if len(data) >= UPLOADIMG_BYTES:
        raise ApiError(40009, "invalid image size")
    st = state()
    file_id = store_file(st, data, kind[1])
    url = file_url(st, file_id)
    st.put("images", file_id, {"url": url, "name": name, "size": len(data), "at": int(st.now())})
    return reply(url=url)
