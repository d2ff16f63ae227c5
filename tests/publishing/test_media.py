"""Article images made acceptable to WeChat (JPG/PNG under 1 MB) and uploaded once per content."""

from __future__ import annotations

import io
import os
from types import SimpleNamespace

import pytest
from PIL import Image

from bot.publishing.media import BODY_IMAGE_LIMIT, THUMB_LIMIT, ImageError, body_image, thumb_image
from bot.publishing.pipeline import _call
from bot.publishing.uploads import upload_body_images, upload_covers
from bot.redisdb import connect


def _image(fmt: str, size=(64, 48), mode="RGB", noise=False) -> bytes:
    if noise:
        image = Image.frombytes(mode, size, os.urandom(size[0] * size[1] * len(mode)))
    else:
        image = Image.new(mode, size, (200, 60, 40) if mode == "RGB" else (200, 60, 40, 128))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "mode", "expected"),
    [
        ("WEBP", "RGB", "JPEG"),
        ("GIF", "RGB", "PNG"),
        ("WEBP", "RGBA", "PNG"),
        ("BMP", "RGB", "JPEG"),
    ],
)
def test_formats_wechat_refuses_become_jpg_or_png(fmt, mode, expected):
    data, ext, mime = body_image(_image(fmt, mode=mode))
    assert Image.open(io.BytesIO(data)).format == expected
    assert ext in ("jpg", "png") and mime.startswith("image/")


def test_an_image_over_1_mb_is_reencoded_below_the_limit():
    big = _image("PNG", size=(1400, 1000), noise=True)
    assert len(big) > BODY_IMAGE_LIMIT
    data, ext, _ = body_image(big)
    assert len(data) <= BODY_IMAGE_LIMIT and ext == "jpg"


def test_small_jpg_and_png_go_as_they_are():
    for fmt in ("JPEG", "PNG"):
        original = _image(fmt)
        assert body_image(original)[0] == original


def test_a_cover_becomes_a_thumb_within_64_kb():
    thumb = thumb_image(_image("PNG", size=(900, 383), noise=True))
    assert len(thumb) <= THUMB_LIMIT and Image.open(io.BytesIO(thumb)).format == "JPEG"


def test_a_broken_image_is_refused_by_name():
    with pytest.raises(ImageError, match="not a readable image"):
        body_image(b"GIF89a but not really")


def test_the_same_image_is_uploaded_once_across_articles_and_pushes(
    sandbox, make_client, redis_url
):
    client, r = make_client(), connect(redis_url)
    same = _image("WEBP")
    articles = [
        SimpleNamespace(images={"mmsp-image://a": same, "mmsp-image://b": _image("PNG")}),
        SimpleNamespace(images={"mmsp-image://c": same}),
    ]
    first = upload_body_images(r, client, _call, articles)
    second = upload_body_images(r, client, _call, articles)
    assert first == second and first["mmsp-image://a"] == first["mmsp-image://c"]
    assert len(sandbox.calls("media/uploadimg")) == 2

    covers = [SimpleNamespace(cover=_image("JPEG"), cover_image=_image("PNG"))] * 2
    thumbs = upload_covers(r, client, _call, covers)
    assert thumbs[0] == thumbs[1] and thumbs[0]["url"].startswith("http")
    assert len(sandbox.calls("material/add_material")) == 1
