"""Body images (media/uploadimg) and permanent materials, through wechatpy's client."""

from __future__ import annotations

import requests

from tests.support.sandbox import errcode_of, image_bytes, upload


def test_uploadimg_returns_a_url_the_sandbox_serves(sandbox):
    client = sandbox.wechat_client()
    data = image_bytes("PNG")
    url = client.media.upload_image(upload("chart.png", data))
    served = requests.get(url, timeout=5)
    assert served.status_code == 200 and served.content == data
    assert served.headers["Content-Type"] == "image/png"


def test_uploadimg_refuses_gif_and_one_megabyte(sandbox):
    client = sandbox.wechat_client()
    gif = upload("a.gif", image_bytes("GIF"))
    assert errcode_of(lambda: client.media.upload_image(gif)) == 40005
    big = upload("a.jpg", image_bytes("JPEG", at_least=1024 * 1024))
    assert errcode_of(lambda: client.media.upload_image(big)) == 40009


def test_image_material_is_stored_listed_counted_and_deleted(sandbox):
    client = sandbox.wechat_client()
    data = image_bytes("JPEG")
    added = client.material.add("image", upload("cover.jpg", data))
    assert added["url"].startswith(sandbox.url)
    assert requests.get(added["url"], timeout=5).content == data
    fetched = client.material.get(added["media_id"])
    assert fetched.content == data  # files come back as bytes, not JSON
    listed = client.material.batchget("image")
    assert listed["total_count"] == 1 and listed["item"][0]["media_id"] == added["media_id"]
    assert client.material.get_count()["image_count"] == 1
    client.material.delete(added["media_id"])
    assert client.material.get_count()["image_count"] == 0
    assert errcode_of(lambda: client.material.get(added["media_id"])) == 40007
    assert errcode_of(lambda: client.material.delete(added["media_id"])) == 40007


def test_thumb_must_be_a_jpeg_of_at_most_64_kb(sandbox):
    client = sandbox.wechat_client()
    ok = client.material.add("thumb", upload("t.jpg", image_bytes("JPEG", at_least=60 * 1024)))
    assert "media_id" in ok and "url" not in ok
    too_big = upload("t.jpg", image_bytes("JPEG", at_least=65 * 1024))
    assert errcode_of(lambda: client.material.add("thumb", too_big)) == 40012
    png = upload("t.png", image_bytes("PNG"))
    assert errcode_of(lambda: client.material.add("thumb", png)) == 40005


def test_material_type_and_file_are_checked(sandbox):
    client = sandbox.wechat_client()
    jpg = upload("x.jpg", image_bytes())
    assert errcode_of(lambda: client.material.add("news", jpg)) == 40004
    not_image = upload("x.jpg", b"plain text, not an image")
    assert errcode_of(lambda: client.material.add("image", not_image)) == 40005
    assert errcode_of(lambda: client.material.batchget("image", count=21)) == 40097
