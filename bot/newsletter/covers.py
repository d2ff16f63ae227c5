"""Article covers drawn with Pillow: 900×383 for the lead, 500×500 for the others, plus thumbs;
the title over one of the issue's photos when it has any, else over a blue tile.

Covers are cached by a hash of everything that decides their pixels (size, texts, theme, font,
layout version), in memory and in Redis (shared by every process; see share_cache), or in a
folder a caller names, so re-rendering an unchanged issue draws nothing. No folder of the
checkout is written: it may be read-only in production.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import redis
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

LEAD_SIZE = (900, 383)  # 2.35:1, the first article of a multi-article message
SQUARE_SIZE = (500, 500)  # 1:1, the other articles
THUMB_MAX_BYTES = 64 * 1024  # WeChat's limit for "thumb" material
LAYOUT_VERSION = 2  # bump when the drawing changes, so cached covers are redrawn
# Drawn covers in Redis, for every process: `issue:cover:<key>` (a hash of data and thumb).
REDIS_PREFIX = "issue:cover:"
REDIS_TTL = 90 * 24 * 3600

_KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
THEMES = {
    "iom": {"background": "#0033A0", "accent": "#5B92E5", "text": "#FFFFFF", "muted": "#D6E4FA"},
    "eu": {"background": "#003399", "accent": "#FFCC00", "text": "#FFFFFF", "muted": "#E6ECF7"},
}
NO_CJK_FONT_WARNING = (
    "no CJK font found: covers use a fallback font and Chinese text may show as boxes "
    "(install fonts-wqy-microhei)"
)
# Covers kept in this process (about 100 KB each); the oldest goes first, Redis keeps them.
_MEMORY_ENTRIES = 64
_memory: dict[str, Cover] = {}
# The shared cache: a Redis client returning bytes, set once per process by the app factory.
_shared: list[redis.Redis] = []


@dataclass(frozen=True)
class Cover:
    """A cover image (JPEG) and its thumb variant (JPEG within WeChat's 64 KB thumb limit)."""

    name: str
    data: bytes
    thumb: bytes
    width: int
    height: int
    mime: str = "image/jpeg"


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """Path of a font with Chinese glyphs on this system, or None when there is none."""
    for path in _KNOWN_FONTS:
        if Path(path).is_file():
            return path
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(
                ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=5
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        for row in sorted(out.splitlines()):
            path = row.split(":")[0].strip()
            if path and Path(path).is_file():
                return path
    return None


def cover_warnings() -> list[str]:
    """Warnings about cover rendering on this system (no CJK font)."""
    return [] if find_cjk_font() else [NO_CJK_FONT_WARNING]


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    path = find_cjk_font()
    if path:
        return ImageFont.truetype(path, size=size, index=0)
    return ImageFont.load_default(size=size)


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in text)


def _wrap(text: str, font, width: int, max_lines: int) -> list[str]:
    """Lines that fit `width` pixels, cut to max_lines with an ellipsis."""
    pieces = list(text) if _is_cjk(text) else text.split()
    joiner = "" if _is_cjk(text) else " "
    lines: list[str] = []
    current = ""
    for piece in pieces:
        trial = f"{current}{joiner}{piece}" if current else piece
        if font.getlength(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = piece
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1].rstrip()
        lines[-1] = last + "…"
    return lines


def _draw(size: tuple[int, int], number: int, month_label: str, title: str, theme: str) -> Image:
    colors = THEMES.get(theme, THEMES["iom"])
    width, height = size
    image = Image.new("RGB", size, colors["background"])
    draw = ImageDraw.Draw(image)
    margin = width // 15
    band = max(6, height // 40)
    draw.rectangle([0, height - band, width, height], fill=colors["accent"])
    draw.rectangle([margin, margin, margin + width // 8, margin + band // 2], fill=colors["accent"])

    small = _font(max(14, height // 22))
    big = _font(max(28, (height // 7) if width > height else width // 12))
    top = margin + band
    draw.text((margin, top), "MMSP II NEWSLETTER", font=small, fill=colors["muted"])
    top += int(small.size * 1.6)
    draw.text((margin, top), f"No. {number} · {month_label}", font=small, fill=colors["text"])
    top += int(small.size * 2.2)
    max_lines = 3 if width > height else 5
    for line in _wrap(title, big, width - 2 * margin, max_lines):
        draw.text((margin, top), line, font=big, fill=colors["text"])
        top += int(big.size * 1.25)
    if width <= height:
        # Square covers show small in the message list: a large issue number stays legible.
        huge = _font(height // 4)
        label = str(number)
        left = width - margin - int(huge.getlength(label))
        draw.text(
            (left, height - band - margin - huge.size), label, font=huge, fill=colors["accent"]
        )
    return image


def _jpeg(image: Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def _thumb(image: Image) -> bytes:
    """A JPEG under the thumb limit, made smaller and lower in quality only as needed."""
    thumb = image.copy()
    thumb.thumbnail((360, 360))
    for quality in (85, 75, 65, 50, 35):
        data = _jpeg(thumb, quality)
        if len(data) <= THUMB_MAX_BYTES:
            return data
    thumb.thumbnail((200, 200))
    return _jpeg(thumb, 35)


def _cropped(photo: Image, size: tuple[int, int]) -> Image:
    """The photo cut to the cover's proportions around its centre and scaled to its size."""
    width, height = size
    scale = max(width / photo.width, height / photo.height)
    resized = photo.convert("RGB").resize(
        (max(width, round(photo.width * scale)), max(height, round(photo.height * scale))),
        Image.LANCZOS,
    )
    left = (resized.width - width) // 2
    top = (resized.height - height) // 2
    return resized.crop((left, top, left + width, top + height))


def _draw_on_photo(
    size: tuple[int, int], photo: Image, number: int, month_label: str, title: str, theme: str
) -> Image:
    """The title over the photo: a dark gradient rising from the foot keeps white text legible."""
    colors = THEMES.get(theme, THEMES["iom"])
    width, height = size
    image = _cropped(photo, size)
    shade = Image.new("L", (1, height))
    for y in range(height):
        shade.putpixel((0, y), int(215 * max(0.0, (y / height - 0.25) / 0.75) ** 1.2))
    dark = Image.new("RGB", size, "#001a50")
    image = Image.composite(dark, image, shade.resize(size))
    draw = ImageDraw.Draw(image)
    margin = width // 18
    band = max(6, height // 40)
    draw.rectangle([0, height - band, width, height], fill=colors["accent"])
    small = _font(max(14, height // 22))
    big = _font(max(26, (height // 8) if width > height else width // 13))
    max_lines = 2 if width > height else 4
    lines = _wrap(title, big, width - 2 * margin, max_lines)
    top = height - band - margin - len(lines) * int(big.size * 1.25)
    label = f"No. {number} · {month_label}"
    if width > height:
        label = f"MMSP II NEWSLETTER · {label}"
    draw.text((margin, top - int(small.size * 1.8)), label, font=small, fill=colors["muted"])
    for line in lines:
        draw.text((margin, top), line, font=big, fill=colors["text"])
        top += int(big.size * 1.25)
    return image


def cover_key(
    kind: str, number: int, month_label: str, title: str, theme: str, photo: bytes | None = None
) -> str:
    """The content hash naming a cover: same inputs, photo and font, same file."""
    facts = [LAYOUT_VERSION, kind, number, month_label, title, theme, find_cjk_font() or ""]
    if photo:
        facts.append(hashlib.sha256(photo).hexdigest())
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode()).hexdigest()[:20]


def share_cache(client: redis.Redis | None) -> None:
    """Keep drawn covers in this Redis (a client with bytes replies) for every process."""
    _shared[:] = [client] if client is not None else []


def make_cover(
    kind: str,
    number: int,
    month_label: str,
    title: str,
    theme: str = "iom",
    cache_dir: Path | None = None,
    photo: bytes | None = None,
) -> Cover:
    """The cover ("lead" or "square") for an article, drawn once and then served from the cache
    (memory, then cache_dir when given, else the shared Redis cache): the title over `photo`
    (cropped to 2.35:1 or 1:1) when one is given, else the blue tile."""
    size = LEAD_SIZE if kind == "lead" else SQUARE_SIZE
    key = cover_key(kind, number, month_label, title, theme, photo)
    name = f"cover-{kind}-{key}.jpg"
    if key in _memory:
        return _memory[key]
    store = _FolderStore(Path(cache_dir)) if cache_dir is not None else _RedisStore.shared()
    cover = store.get(key, name, size) if store else None
    if cover is None:
        if photo:
            from bot.newsletter.images import open_image

            picture = open_image(photo)
            image = _draw_on_photo(size, picture, number, month_label, title, theme)
        else:
            image = _draw(size, number, month_label, title, theme)
        cover = Cover(name, _jpeg(image, 88), _thumb(image), *size)
        if store:
            store.put(key, cover)
    if len(_memory) >= _MEMORY_ENTRIES:
        _memory.pop(next(iter(_memory)))
    _memory[key] = cover
    return cover


class _FolderStore:
    """Covers as files in a folder the caller chose (tests, benchmarks, exports)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, key: str, name: str, size: tuple[int, int]) -> Cover | None:
        path, thumb_path = self.folder / name, self.folder / f"thumb-{key}.jpg"
        if path.is_file() and thumb_path.is_file():
            return Cover(name, path.read_bytes(), thumb_path.read_bytes(), *size)
        return None

    def put(self, key: str, cover: Cover) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / cover.name).write_bytes(cover.data)
        (self.folder / f"thumb-{key}.jpg").write_bytes(cover.thumb)


class _RedisStore:
    """Covers in the shared Redis; a Redis error only costs a redraw."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    @classmethod
    def shared(cls) -> _RedisStore | None:
        return cls(_shared[0]) if _shared else None

    def get(self, key: str, name: str, size: tuple[int, int]) -> Cover | None:
        try:
            data, thumb = self.client.hmget(REDIS_PREFIX + key, "data", "thumb")
        except redis.RedisError as exc:
            log.warning("cover cache unavailable (%s); drawing %s", type(exc).__name__, name)
            return None
        return Cover(name, data, thumb, *size) if data and thumb else None

    def put(self, key: str, cover: Cover) -> None:
        try:
            pipe = self.client.pipeline()
            pipe.hset(REDIS_PREFIX + key, mapping={"data": cover.data, "thumb": cover.thumb})
            pipe.expire(REDIS_PREFIX + key, REDIS_TTL)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("cover cache unavailable (%s); %s not kept", type(exc).__name__, cover.name)


def clear_memory_cache() -> None:
    """Forget covers held in memory (Redis and folders keep theirs); to measure cold renders."""
    _memory.clear()


def shorten(text: str, width: int) -> str:
    """A one-line label of at most `width` characters, cut at a word."""
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder="…")
