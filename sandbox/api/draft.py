"""`draft/add|get|update|delete|batchget|count`: the draft box with WeChat's field checks."""

from __future__ import annotations

import html
import re
import secrets
from typing import Any
from urllib.parse import urlparse

from sandbox.api.calls import batch_window, body, bp, ok, reply, state
from sandbox.api.material import find_material
from sandbox.api.media import file_id_of, file_url, load_file
from sandbox.errors import ApiError
from sandbox.state import SandboxState

MAX_ARTICLES = 8
TITLE_CHARS = 32
AUTHOR_CHARS = 16
DIGEST_CHARS = 128
CONTENT_CHARS = 20000
CONTENT_BYTES = 1024 * 1024
SOURCE_URL_BYTES = 1024
# WeChat fills an empty digest of a one-article draft with the start of the text.
AUTO_DIGEST_CHARS = 54
_SCRIPT = re.compile(r"<script\b.*?(</script\s*>|$)", re.IGNORECASE | re.DOTALL)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\bsrc\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _own_image(st: SandboxState, src: str) -> bool:
    """Whether an <img src> is one WeChat keeps: an uploadimg URL (here: one of the sandbox's)."""
    if (urlparse(src).hostname or "").endswith("mmbiz.qpic.cn"):
        return True
    file_id = file_id_of(src)
    return bool(file_id) and load_file(st, file_id) is not None


def clean_content(st: SandboxState, content: str) -> str:
    """Drop scripts and images from outside WeChat, as the platform does to article HTML."""
    content = _SCRIPT.sub("", content)

    def keep_or_drop(match: re.Match) -> str:
        src = _SRC.search(match.group(0))
        return match.group(0) if src and _own_image(st, html.unescape(src.group(2))) else ""

    return _IMG.sub(keep_or_drop, content)


def text_of(content: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", content)).split())


def _text(article: dict[str, Any], name: str, limit: int | None, errcode: int, what: str) -> str:
    value = article.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApiError(40097, f"invalid args, {name} must be a string")
    if limit is not None and len(value) > limit:
        raise ApiError(errcode, f"{what} size out of limit")
    return value


def check_article(st: SandboxState, article: Any, single: bool) -> dict[str, Any]:
    """One article as WeChat stores it, or the ApiError WeChat gives for its first bad field."""
    if not isinstance(article, dict):
        raise ApiError(47001, "data format error")
    article_type = article.get("article_type") or "news"
    if article_type not in {"news", "newspic"}:
        raise ApiError(40097, "invalid args, article_type must be news or newspic")
    title = _text(article, "title", TITLE_CHARS, 45003, "title")
    if not title.strip():
        raise ApiError(44004, "empty content, title is required")
    author = _text(article, "author", AUTHOR_CHARS, 45110, "author")
    digest = _text(article, "digest", DIGEST_CHARS, 45004, "description")
    content = _text(article, "content", None, 45002, "content")
    if not content.strip():
        raise ApiError(44004, "empty content")
    if len(content) >= CONTENT_CHARS or len(content.encode("utf-8")) >= CONTENT_BYTES:
        raise ApiError(45002, "content size out of limit")
    source_url = _text(article, "content_source_url", None, 45005, "url")
    if len(source_url.encode("utf-8")) > SOURCE_URL_BYTES:
        raise ApiError(45005, "url size out of limit")
    stored: dict[str, Any] = {
        "article_type": article_type,
        "title": title,
        "author": author,
        "digest": digest,
        "content": clean_content(st, content),
        "content_source_url": source_url,
        "need_open_comment": 1 if article.get("need_open_comment") else 0,
        "only_fans_can_comment": 1 if article.get("only_fans_can_comment") else 0,
    }
    if article_type == "news":
        thumb = article.get("thumb_media_id")
        material = find_material(st, thumb) if isinstance(thumb, str) and thumb else None
        # The cover must be a permanent *image* material: a thumb-type id is refused too.
        if material is None or material["type"] != "image":
            raise ApiError(40007, "invalid media_id, thumb_media_id must be a permanent image")
        stored["thumb_media_id"] = thumb
        stored["thumb_url"] = material["url"] or _thumb_url(st, material)
        for crop in ("pic_crop_235_1", "pic_crop_1_1"):
            if article.get(crop):
                stored[crop] = str(article[crop])
    else:
        images = (article.get("image_info") or {}).get("image_list") or []
        if not images:
            raise ApiError(40007, "invalid media_id, newspic needs image_info.image_list")
        stored["image_info"] = {"image_list": images}
    if single and not digest:
        stored["digest"] = text_of(stored["content"])[:AUTO_DIGEST_CHARS]
    return stored


def _thumb_url(st: SandboxState, material: dict[str, Any]) -> str:
    return file_url(st, material["file_id"])


def draft_url(st: SandboxState, media_id: str, index: int) -> str:
    """A temporary link to read a draft's article (draft/get gives one per article)."""
    return f"{st.public_url()}/sandbox/draft/{media_id}/{index}"


def find_draft(st: SandboxState, media_id: Any) -> dict[str, Any]:
    draft = st.get("drafts", media_id) if isinstance(media_id, str) and media_id else None
    if draft is None:
        raise ApiError(40007, "invalid media_id")
    return draft


def news_items(st: SandboxState, media_id: str, draft: dict[str, Any], content: bool = True):
    items = []
    for index, article in enumerate(draft["articles"]):
        item = {**article, "url": draft_url(st, media_id, index)}
        if not content:
            item.pop("content", None)
        items.append(item)
    return items


@bp.route("/draft/add", methods=["POST"])
def draft_add():
    st = state()
    articles = body(keep_escapes=True).get("articles")
    if not isinstance(articles, list) or not articles:
        raise ApiError(44003, "empty news data")
    if len(articles) > MAX_ARTICLES:
        raise ApiError(45008, "article size out of limit")
    single = len(articles) == 1
    stored = [check_article(st, article, single) for article in articles]
    media_id = secrets.token_urlsafe(48)
    now = int(st.now())
    st.put("drafts", media_id, {"articles": stored, "create_time": now, "update_time": now})
    return reply(media_id=media_id)


@bp.route("/draft/get", methods=["POST"])
def draft_get():
    st = state()
    media_id = body().get("media_id")
    draft = find_draft(st, media_id)
    return reply(news_item=news_items(st, media_id, draft))


@bp.route("/draft/update", methods=["POST"])
def draft_update():
    st = state()
    data = body(keep_escapes=True)
    media_id = data.get("media_id")
    draft = find_draft(st, media_id)
    index = data.get("index", 0)
    if not isinstance(index, int) or not 0 <= index < len(draft["articles"]):
        raise ApiError(40097, "invalid args, index is out of range")
    article = data.get("articles")
    if not isinstance(article, dict):
        raise ApiError(44003, "empty news data")
    draft["articles"][index] = check_article(st, article, len(draft["articles"]) == 1)
    draft["update_time"] = int(st.now())
    st.put("drafts", media_id, draft)
    return ok()


@bp.route("/draft/delete", methods=["POST"])
def draft_delete():
    st = state()
    media_id = body().get("media_id")
    find_draft(st, media_id)
    st.delete("drafts", media_id)
    return ok()


@bp.route("/draft/batchget", methods=["POST"])
def draft_batchget():
    st = state()
    data = body()
    offset, count = batch_window(data)
    content = not data.get("no_content")
    drafts = sorted(st.all("drafts").items(), key=lambda kv: kv[1]["update_time"], reverse=True)
    items = [
        {
            "media_id": media_id,
            "content": {
                "news_item": news_items(st, media_id, draft, content),
                "create_time": draft["create_time"],
                "update_time": draft["update_time"],
            },
            "update_time": draft["update_time"],
        }
        for media_id, draft in drafts[offset : offset + count]
    ]
    return reply(total_count=len(drafts), item_count=len(items), item=items)


@bp.route("/draft/count", methods=["GET"])
def draft_count():
    return reply(total_count=len(state().all("drafts")))
