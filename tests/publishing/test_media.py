"""Article images made acceptable to WeChat (JPG/PNG under 1 MB) and uploaded once per content."""

from __future__ import annotations

import io
import os
from types import SimpleNamespace

import pytest
from PIL import Image

from bot.publishing.media import BODY_IMAGE_LIMIT, ImageError, body_image
from bot.publishing.pipeline import _call
from bot.publishing.uploads import crop, upload_body_images, upload_covers
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


def test_the_lead_cover_is_cropped_in_its_centre_as_wechat_fractions():
    # A 2:1 cover: the 2.35:1 crop takes its full width, the square its middle half.
    assert crop(1000, 500, 2.35) == "0_0.074468_1_0.925532"
    assert crop(1000, 500, 1.0) == "0.25_0_0.75_1"


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

    articles = [SimpleNamespace(cover_image=_image("PNG", size=(900, 383)))] * 2
    covers = upload_covers(r, client, _call, articles)
    assert covers[0] == covers[1] and covers[0]["url"].startswith("http")
    assert (covers[0]["width"], covers[0]["height"]) == (900, 383)
    # One permanent image material, whose URL came with it: no uploadimg for the cover.
    assert len(sandbox.calls("material/add_material")) == 1
    assert len(sandbox.calls("media/uploadimg")) == 2
    kinds = {m["type"] for m in sandbox.records("materials").values()}
    assert kinds == {"image"}
