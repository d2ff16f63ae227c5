"""Images for WeChat: converted to what it accepts, uploaded once per content hash."""

from __future__ import annotations

import hashlib
import io
import logging

import redis
from PIL import Image

log = logging.getLogger(__name__)

# media/uploadimg takes JPG or PNG under 1 MB; covers (image material) are made the same way,
# well within the image material's own limit.
BODY_IMAGE_LIMIT = 1024 * 1024 - 1
_BODY_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}


class ImageError(ValueError):
    """An image cannot be made acceptable to WeChat; the message names the reason."""


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # Pillow raises many types for a broken file
        raise ImageError(f"not a readable image ({type(exc).__name__})") from None
    return image


def _jpeg(image: Image.Image, limit: int) -> bytes:
    """The image as a JPEG under `limit` bytes: lower quality first, then smaller sides."""
    image = image.convert("RGB")
    while True:
        for quality in (90, 80, 70, 60, 50, 40):
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=quality, optimize=True)
            if buffer.tell() <= limit:
                return buffer.getvalue()
        if min(image.size) < 16:
            raise ImageError("image cannot be made small enough")
        image = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.LANCZOS)


def body_image(data: bytes) -> tuple[bytes, str, str]:
    """(bytes, extension, mime) of an article image as WeChat accepts it: JPG/PNG under 1 MB."""
    image = _open(data)
    kind = _BODY_FORMATS.get(image.format or "")
    if kind and len(data) <= BODY_IMAGE_LIMIT:
        return data, *kind
    if image.mode in ("RGBA", "LA", "P") and image.format != "JPEG":
        # Keep transparency as PNG when that fits; an animated GIF or WebP keeps its first frame.
        buffer = io.BytesIO()
        image.convert("RGBA").save(buffer, "PNG", optimize=True)
        if buffer.tell() <= BODY_IMAGE_LIMIT:
            return buffer.getvalue(), "png", "image/png"
    return _jpeg(image, BODY_IMAGE_LIMIT), "jpg", "image/jpeg"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class UploadCache:
    """What each image became at WeChat (a URL or media_id), by the account and content hash."""

    def __init__(self, r: redis.Redis, appid: str):
        self.redis = r
        self.prefix = f"push:media:{appid}"

    def get(self, kind: str, digest: str) -> str | None:
        return self.redis.get(f"{self.prefix}:{kind}:{digest}")

    def put(self, kind: str, digest: str, value: str) -> None:
        self.redis.set(f"{self.prefix}:{kind}:{digest}", value)

    def forget(self, kind: str, digest: str) -> None:
        self.redis.delete(f"{self.prefix}:{kind}:{digest}")
