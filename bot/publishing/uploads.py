"""Covers and article images uploaded to WeChat once per content hash."""

from __future__ import annotations

import io
import json
import logging

import redis
from PIL import Image

from bot.publishing.media import UploadCache, body_image, content_hash
from bot.wechat import BotWeChatClient

log = logging.getLogger(__name__)

# The crops WeChat shows a lead article's cover in: 2.35:1 in the chat list, 1:1 when shared.
CROPS = {"pic_crop_235_1": 2.35, "pic_crop_1_1": 1.0}


def upload_covers(r: redis.Redis, client: BotWeChatClient, call, articles) -> list[dict]:
    """Each article's cover as a permanent image material: [{media_id, url, width, height}].

    draft/add wants an image material as thumb_media_id (a thumb-type id is refused with
    40007), and add_material returns its URL too, which the followers' cards show.
    """
    cache = UploadCache(r, client.appid)
    covers = []
    for article in articles:
        data, ext, mime = body_image(article.cover_image)
        digest = content_hash(data)
        cached = cache.get("cover", digest)
        if cached:
            covers.append(json.loads(cached))
            continue
        media = (f"cover.{ext}", data, mime)
        result = call(lambda m=media: client.material.add("image", m), "material/add_material")
        width, height = Image.open(io.BytesIO(data)).size
        cover = {"media_id": result["media_id"], "url": result.get("url", ""), "digest": digest}
        cover.update(width=width, height=height)
        cache.put("cover", digest, json.dumps(cover))
        covers.append(cover)
    return covers


def forget_covers(r: redis.Redis, client: BotWeChatClient, covers: list[dict]) -> None:
    """Drop these covers from the upload cache (WeChat no longer knows their media ids)."""
    cache = UploadCache(r, client.appid)
    for cover in covers:
        if cover.get("digest"):
            cache.forget("cover", cover["digest"])


def crop(width: int, height: int, ratio: float) -> str:
    """The centred crop of a width x height cover to `ratio`, as WeChat's X1_Y1_X2_Y2 fractions."""
    if not width or not height:
        return ""
    if width / height > ratio:
        share = height * ratio / width
        x1, y1, x2, y2 = (1 - share) / 2, 0.0, (1 + share) / 2, 1.0
    else:
        share = width / ratio / height
        x1, y1, x2, y2 = 0.0, (1 - share) / 2, 1.0, (1 + share) / 2
    return "_".join(f"{v:.6f}".rstrip("0").rstrip(".") or "0" for v in (x1, y1, x2, y2))


def _upload_image(cache: UploadCache, client: BotWeChatClient, call, raw: bytes) -> str:
    """The mmbiz URL of an image, uploaded with media/uploadimg unless uploaded before."""
    data, ext, mime = body_image(raw)
    digest = content_hash(data)
    url = cache.get("img", digest)
    if not url:
        media = (f"image.{ext}", data, mime)
        url = call(lambda: client.media.upload_image(media), "media/uploadimg")
        cache.put("img", digest, url)
    return url


def upload_body_images(r: redis.Redis, client: BotWeChatClient, call, articles) -> dict:
    """Every image placeholder of the articles mapped to its uploaded mmbiz URL."""
    cache = UploadCache(r, client.appid)
    urls: dict[str, str] = {}
    for article in articles:
        for placeholder, raw in article.images.items():
            if placeholder not in urls:
                urls[placeholder] = _upload_image(cache, client, call, raw)
    return urls
