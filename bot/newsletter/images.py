"""Issue photos: made acceptable to WeChat, stored in Redis by content hash, loaded by hash.

Production has no shared disk, so a photo's bytes live in Redis under `issue:photo:{sha256}`
(content-addressed: an unchanged photo re-imported is stored once). The issue's JSON refers to
them by hash (`model.Photo`). An issue may bring at most `budget` bytes of photos; beyond it the
import is refused in one line rather than filling Redis.

    digest = store_photo(r, data)      # bytes -> hash (data already a JPEG or PNG)
    data = load_photo(r, digest)       # hash -> bytes, or None
    photo = prepare_photo(raw)         # any image -> JPEG/PNG within WeChat's limits
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import redis
from PIL import Image
from redis.client import NEVER_DECODE

# media/uploadimg takes JPG or PNG under 1 MB; the longest side is capped as phones show less.
UPLOAD_LIMIT = 1024 * 1024 - 1
MAX_SIDE = 1600
# Photos of one issue kept in Redis; a designed issue has 10-40 photos of 100-400 KB.
DEFAULT_BUDGET = 32 * 1024 * 1024
# Pillow refuses images with more pixels than this (a decompression bomb), before decoding.
MAX_PIXELS = 60_000_000


class PhotoError(ValueError):
    """A photo cannot be used or kept; the message is one line."""


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo as stored: JPEG or PNG bytes within the upload limit, its size and hash."""

    data: bytes
    width: int
    height: int
    mime: str

    @property
    def hash(self) -> str:
        return photo_hash(self.data)


def photo_key(digest: str) -> str:
    """The Redis key of a photo's bytes."""
    return f"issue:photo:{digest}"


def photo_hash(data: bytes) -> str:
    """The content hash naming a photo (SHA-256, hex)."""
    return hashlib.sha256(data).hexdigest()


def open_image(data: bytes) -> Image.Image:
    """The image decoded, or PhotoError; refuses oversized pixel counts before decoding."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise PhotoError(f"image of {image.width}×{image.height} pixels is too large")
        image.load()
    except PhotoError:
        raise
    except Image.DecompressionBombError:
        raise PhotoError("image has too many pixels to decode (too large)") from None
    except Exception as exc:  # Pillow raises many types for a broken or hostile file
        raise PhotoError(f"not a readable image ({type(exc).__name__})") from None
    return image


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def prepare_image(image: Image.Image, limit: int = UPLOAD_LIMIT) -> PreparedPhoto:
    """A decoded image as a JPEG (PNG when it has transparency) under `limit` bytes."""
    if max(image.size) > MAX_SIDE:
        image = image.copy()
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.LANCZOS)
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        data = _encode(image.convert("RGBA"), "PNG", optimize=True)
        if len(data) <= limit:
            return PreparedPhoto(data, image.width, image.height, "image/png")
        background = Image.new("RGB", image.size, "white")
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").split()[3])
        image = background
    image = image.convert("RGB")
    while True:
        for quality in (85, 75, 65, 55):
            data = _encode(image, "JPEG", quality=quality, optimize=True)
            if len(data) <= limit:
                return PreparedPhoto(data, image.width, image.height, "image/jpeg")
        if min(image.size) < 64:
            raise PhotoError("image cannot be made small enough")
        image = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.LANCZOS)


def prepare_photo(data: bytes, limit: int = UPLOAD_LIMIT) -> PreparedPhoto:
    """Any image file's bytes as a stored photo: JPEG or PNG within WeChat's upload limit."""
    return prepare_image(open_image(data), limit)


def store_photo(r: redis.Redis, data: bytes) -> str:
    """Keep a photo's bytes (already prepared) and return its hash; a stored one is kept as is."""
    digest = photo_hash(data)
    r.set(photo_key(digest), data, nx=True)
    return digest


def load_photo(r: redis.Redis, digest: str) -> bytes | None:
    """A photo's bytes by hash (raw bytes whether or not the client decodes replies)."""
    return r.execute_command("GET", photo_key(digest), **{NEVER_DECODE: True})


def check_budget(sizes: dict[str, int], budget: int = DEFAULT_BUDGET) -> None:
    """PhotoError in one line when the photos of an issue (bytes by hash) exceed the budget."""
    total = sum(sizes.values())
    if total > budget:
        raise PhotoError(
            f"the issue's {len(sizes)} photos take {total / 1048576:.1f} MB; the limit is "
            f"{budget / 1048576:.0f} MB per issue (ISSUE_PHOTO_BUDGET_MB)"
        )


def store_issue_photos(r: redis.Redis, issue, budget: int = DEFAULT_BUDGET) -> int:
    """Store the bytes of every photo an imported issue refers to; return how many were written.

    The issue's photos must each have their bytes in `issue.photo_data` or already in Redis;
    PhotoError names the first missing one or the budget exceeded, and nothing is written then.
    """
    wanted = {photo.hash for photo in issue.photos}
    sizes: dict[str, int] = {}
    missing = [d for d in wanted if d not in issue.photo_data]
    pipe = r.pipeline(transaction=False)
    for digest in missing:
        pipe.strlen(photo_key(digest))
    for digest, size in zip(missing, pipe.execute() if missing else [], strict=True):
        if not size:
            key = next(p.key for p in issue.photos if p.hash == digest)
            raise PhotoError(f"photo {key} has no stored bytes; import its file again")
        sizes[digest] = size
    sizes.update({d: len(issue.photo_data[d]) for d in wanted if d in issue.photo_data})
    check_budget(sizes, budget)
    written = 0
    for digest in wanted:
        if digest in issue.photo_data:
            data = issue.photo_data[digest]
            if photo_hash(data) != digest:
                raise PhotoError(f"photo bytes do not match their hash {digest[:12]}")
            written += bool(r.set(photo_key(digest), data, nx=True))
    return written


def issue_photo_bytes(r: redis.Redis, issue) -> dict[str, bytes]:
    """The bytes of every photo of an issue by hash: from the issue when it carries them, else
    from Redis; a photo whose bytes are nowhere is left out."""
    found = {d: b for d, b in issue.photo_data.items()}
    for photo in issue.photos:
        if photo.hash not in found and r is not None:
            data = load_photo(r, photo.hash)
            if data:
                found[photo.hash] = data
    return found
