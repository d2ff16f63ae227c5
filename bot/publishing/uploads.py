"""Covers and article images uploaded to WeChat once per content hash."""

from __future__ import annotations

import json
import logging

import redis

from bot.publishing.media import UploadCache, body_image, content_hash, thumb_image
from bot.wechat import BotWeChatClient

log = logging.getLogger(__name__)


def upload_covers(r: redis.Redis, client: BotWeChatClient, call, articles) -> list[dict]:
    """Each article's cover as a permanent thumb: [{media_id, url}] in article order."""
    cache = UploadCache(r, client.appid)
    thumbs = []
    for article in articles:
        data = thumb_image(article.cover)
        digest = content_hash(data)
        cached = cache.get("thumb", digest)
        if cached:
            thumbs.append(json.loads(cached))
            continue
        media = ("cover.jpg", data, "image/jpeg")
        result = call(lambda m=media: client.material.add("thumb", m), "material/add_material")
        # A thumb comes back without a URL: the cover shown on cards is uploaded as an image.
        url = result.get("url") or _upload_image(cache, client, call, article.cover_image)
        thumb = {"media_id": result["media_id"], "url": url}
        cache.put("thumb", digest, json.dumps(thumb))
        thumbs.append(thumb)
    return thumbs


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
