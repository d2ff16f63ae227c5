"""The XML on the wire: messages and events to the webhook, and the replies WeChat accepts."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from typing import Any

# Reply types a passive reply may carry, as WeChat lists them.
REPLY_TYPES = {"text", "image", "voice", "video", "music", "news", "transfer_customer_service"}
# Since 2018 a news reply to a follower's own message shows one article; to an event, up to 8.
MAX_ARTICLES_FOR_MESSAGE = 1
MAX_ARTICLES_FOR_EVENT = 8


class ReplyError(ValueError):
    """A webhook reply WeChat would refuse to show; the message says why in one line."""


def new_msg_id() -> int:
    """A 64-bit message id shaped like WeChat's (19 decimal digits)."""
    return (1 << 62) | secrets.randbits(62)


def _cdata(text: str) -> str:
    # A literal "]]>" would end the section early; split it across two sections as XML allows.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _element(tag: str, value: Any) -> str:
    if isinstance(value, list):
        return "".join(_element(tag, item) for item in value)
    if isinstance(value, dict):
        inner = "".join(_element(k, v) for k, v in value.items())
        return f"<{tag}>{inner}</{tag}>"
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int | float):
        return f"<{tag}>{value}</{tag}>"
    return f"<{tag}>{_cdata(str(value))}</{tag}>"


def to_xml(fields: dict[str, Any]) -> str:
    """WeChat's XML for a dict: strings in CDATA, numbers bare, dicts nested, lists repeated."""
    return "<xml>" + "".join(_element(k, v) for k, v in fields.items()) + "</xml>"


def message(account_id: str, openid: str, create_time: int, msg_type: str, **extra: Any) -> str:
    """An inbound message or event: the common header fields first, then the type's own fields."""
    head = {
        "ToUserName": account_id,
        "FromUserName": openid,
        "CreateTime": create_time,
        "MsgType": msg_type,
    }
    return to_xml({**head, **extra})


def event_message(account_id: str, openid: str, create_time: int, event: str, **extra: Any) -> str:
    return message(account_id, openid, create_time, "event", Event=event, **extra)


def parse(xml_text: str) -> dict[str, Any]:
    """A flat dict of an XML document's children; an Articles list becomes a list of dicts."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ReplyError(f"reply is not well-formed XML ({exc})") from None
    if root.tag != "xml":
        raise ReplyError(f"reply root element is <{root.tag}>, not <xml>")
    fields: dict[str, Any] = {}
    for child in root:
        if child.tag == "Articles":
            fields["Articles"] = [{f.tag: (f.text or "") for f in item} for item in child]
        elif len(child):
            fields[child.tag] = {f.tag: (f.text or "") for f in child}
        else:
            fields[child.tag] = child.text or ""
    return fields


def check_reply(fields: dict[str, Any], openid: str, account_id: str, to_message: bool) -> dict:
    """The reply as an inbox entry, or ReplyError when WeChat would not show it."""
    for name in ("ToUserName", "FromUserName", "CreateTime", "MsgType"):
        if not fields.get(name):
            raise ReplyError(f"reply lacks {name}")
    if fields["ToUserName"] != openid:
        raise ReplyError(f"reply ToUserName {fields['ToUserName']!r} is not the follower {openid}")
    if fields["FromUserName"] != account_id:
        raise ReplyError(f"reply FromUserName {fields['FromUserName']!r} is not {account_id}")
    if not str(fields["CreateTime"]).isdigit():
        raise ReplyError("reply CreateTime is not an integer")
    kind = fields["MsgType"]
    if kind not in REPLY_TYPES:
        raise ReplyError(f"reply MsgType {kind!r} is not a reply type")
    if kind == "text":
        if not fields.get("Content"):
            raise ReplyError("text reply has an empty Content")
        return {"type": "text", "content": fields["Content"]}
    if kind == "news":
        return {"type": "news", "articles": _articles(fields, to_message)}
    if kind == "transfer_customer_service":
        return {"type": "transfer", "content": "handed to customer service"}
    media = fields.get(kind.capitalize()) or {}
    return {"type": kind, "media_id": media.get("MediaId", ""), "title": media.get("Title", "")}


def _articles(fields: dict[str, Any], to_message: bool) -> list[dict[str, str]]:
    items = fields.get("Articles") or []
    count = fields.get("ArticleCount", "")
    if not str(count).isdigit() or int(count) != len(items):
        raise ReplyError(f"news reply ArticleCount {count!r} does not match {len(items)} items")
    limit = MAX_ARTICLES_FOR_MESSAGE if to_message else MAX_ARTICLES_FOR_EVENT
    if not 1 <= len(items) <= limit:
        raise ReplyError(f"news reply has {len(items)} articles; WeChat shows 1 to {limit} here")
    articles = []
    for item in items:
        if not item.get("Title"):
            raise ReplyError("news article lacks a Title")
        articles.append(
            {
                "title": item.get("Title", ""),
                "description": item.get("Description", ""),
                "pic_url": item.get("PicUrl", ""),
                "url": item.get("Url", ""),
            }
        )
    return articles
