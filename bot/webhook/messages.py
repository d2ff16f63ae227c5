"""Inbound WeChat messages and events as typed objects, parsed from the webhook's XML.

Each class registers itself for its MsgType (or Event) in a table; anything not in the table
becomes an UnknownMessage, so a new WeChat event never breaks the webhook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from bot.webhook import xmlparse

_MESSAGE_TYPES: dict[str, type[Message]] = {}
_EVENT_TYPES: dict[str, type[Event]] = {}


class MessageError(ValueError):
    """The XML parsed but is not a usable WeChat message (a required field missing or wrong)."""


def _text(fields: dict, name: str, default: str = "") -> str:
    value = fields.get(name, default)
    if not isinstance(value, str):
        raise MessageError(f"field {name} must be text")
    return value


def _required(fields: dict, name: str) -> str:
    value = _text(fields, name)
    if not value:
        raise MessageError(f"field {name} is missing")
    return value


def _int(fields: dict, name: str, default: int = 0) -> int:
    value = _text(fields, name)
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise MessageError(f"field {name} must be an integer") from None


def _float(fields: dict, name: str) -> float:
    try:
        return float(_text(fields, name) or 0)
    except ValueError:
        raise MessageError(f"field {name} must be a number") from None


def _items(container: Any, *path: str) -> list[dict]:
    """The list at container/path..., whether the XML held one element there or several."""
    for name in path:
        container = container.get(name) if isinstance(container, dict) else None
    if isinstance(container, dict):
        return [container]
    if isinstance(container, list):
        return [item for item in container if isinstance(item, dict)]
    return []


@dataclass(frozen=True, kw_only=True)
class Message:
    """Fields every push from WeChat carries."""

    to_user: str
    from_user: str
    create_time: int
    msg_type: str
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    is_event: ClassVar[bool] = False
    # Plain text fields a class adds, attribute name → XML tag (a subclass inherits its parent's).
    text_fields: ClassVar[dict[str, str]] = {}

    @classmethod
    def extra(cls, fields: dict) -> dict[str, Any]:
        return {name: _text(fields, tag) for name, tag in cls.text_fields.items()}

    @property
    def dedup_key(self) -> str:
        """Identity of this push across WeChat's retries: MsgId, or sender+time+event for events."""
        msg_id = getattr(self, "msg_id", "")
        if msg_id and not self.is_event:
            return f"m:{msg_id}"
        event = getattr(self, "event", "")
        event_key = getattr(self, "event_key", "")
        return f"e:{self.from_user}:{self.create_time}:{event}:{event_key}"

    @property
    def log_id(self) -> str:
        """A short id for log lines (never the content)."""
        return self.dedup_key


def _message(msg_type: str):
    def register(cls):
        _MESSAGE_TYPES[msg_type] = cls
        return cls

    return register


def _event(name: str):
    def register(cls):
        _EVENT_TYPES[name.lower()] = cls
        return cls

    return register


@dataclass(frozen=True, kw_only=True)
class UserMessage(Message):
    """Something a follower sent; WeChat allows only one news article in a reply to it."""

    msg_id: str

    @classmethod
    def extra(cls, fields: dict) -> dict[str, Any]:
        return {**super().extra(fields), "msg_id": _required(fields, "MsgId")}


@_message("text")
@dataclass(frozen=True, kw_only=True)
class TextMessage(UserMessage):
    content: str

    text_fields = {"content": "Content"}


@_message("image")
@dataclass(frozen=True, kw_only=True)
class ImageMessage(UserMessage):
    pic_url: str
    media_id: str

    text_fields = {"pic_url": "PicUrl", "media_id": "MediaId"}


@_message("voice")
@dataclass(frozen=True, kw_only=True)
class VoiceMessage(UserMessage):
    media_id: str
    format: str
    # Speech recognition result, present only when the account enabled it.
    recognition: str

    text_fields = {"media_id": "MediaId", "format": "Format", "recognition": "Recognition"}


@_message("video")
@dataclass(frozen=True, kw_only=True)
class VideoMessage(UserMessage):
    media_id: str
    thumb_media_id: str

    text_fields = {"media_id": "MediaId", "thumb_media_id": "ThumbMediaId"}


@_message("shortvideo")
@dataclass(frozen=True, kw_only=True)
class ShortVideoMessage(VideoMessage):
    pass


@_message("location")
@dataclass(frozen=True, kw_only=True)
class LocationMessage(UserMessage):
    latitude: float
    longitude: float
    scale: int
    label: str

    @classmethod
    def extra(cls, fields):
        return {
            **super().extra(fields),
            "latitude": _float(fields, "Location_X"),
            "longitude": _float(fields, "Location_Y"),
            "scale": _int(fields, "Scale"),
            "label": _text(fields, "Label"),
        }


@_message("link")
@dataclass(frozen=True, kw_only=True)
class LinkMessage(UserMessage):
    title: str
    description: str
    url: str

    text_fields = {"title": "Title", "description": "Description", "url": "Url"}


@dataclass(frozen=True, kw_only=True)
class Event(Message):
    """A push of MsgType event; replies to events may carry up to 8 news articles."""

    event: str
    event_key: str = ""

    is_event: ClassVar[bool] = True

    @classmethod
    def extra(cls, fields):
        return {
            **super().extra(fields),
            "event": _required(fields, "Event"),
            "event_key": _text(fields, "EventKey"),
        }


@_event("subscribe")
@dataclass(frozen=True, kw_only=True)
class SubscribeEvent(Event):
    """A new follower; scene is the parametric QR code's scene when they came through one."""

    scene: str = ""
    ticket: str = ""

    @classmethod
    def extra(cls, fields):
        base = super().extra(fields)
        key = base["event_key"]
        scene = key[len("qrscene_") :] if key.startswith("qrscene_") else ""
        return {**base, "scene": scene, "ticket": _text(fields, "Ticket")}


@_event("unsubscribe")
@dataclass(frozen=True, kw_only=True)
class UnsubscribeEvent(Event):
    pass


@_event("SCAN")
@dataclass(frozen=True, kw_only=True)
class ScanEvent(Event):
    """A follower scanned a parametric QR code; the key is the scene itself (no prefix)."""

    scene: str = ""
    ticket: str = ""

    @classmethod
    def extra(cls, fields):
        base = super().extra(fields)
        return {**base, "scene": base["event_key"], "ticket": _text(fields, "Ticket")}


@_event("CLICK")
@dataclass(frozen=True, kw_only=True)
class ClickEvent(Event):
    """A click on a menu button; event_key is the button's key."""


@_event("VIEW")
@dataclass(frozen=True, kw_only=True)
class ViewEvent(Event):
    """A click on a menu link; event_key is the URL opened."""

    menu_id: str = ""

    text_fields = {"menu_id": "MenuId"}

    @property
    def url(self) -> str:
        return self.event_key


@_event("LOCATION")
@dataclass(frozen=True, kw_only=True)
class LocationEvent(Event):
    latitude: float = 0.0
    longitude: float = 0.0
    precision: float = 0.0

    @classmethod
    def extra(cls, fields):
        return {
            **super().extra(fields),
            "latitude": _float(fields, "Latitude"),
            "longitude": _float(fields, "Longitude"),
            "precision": _float(fields, "Precision"),
        }


@dataclass(frozen=True)
class ArticleUrl:
    """Where one article of a mass send or publication can be read (idx counts from 1)."""

    idx: int
    url: str


@_event("MASSSENDJOBFINISH")
@dataclass(frozen=True, kw_only=True)
class MassSendJobFinishEvent(Event):
    """The result of a mass send (broadcast), with its counts and the articles' URLs."""

    msg_id: str = ""
    status: str = ""
    total_count: int = 0
    filter_count: int = 0
    sent_count: int = 0
    error_count: int = 0
    copyright_check_state: int | None = None
    article_urls: tuple[ArticleUrl, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.status == "send success"

    @property
    def dedup_key(self) -> str:
        # Two sends finishing in the same second come from the same operator: the MsgID tells
        # them apart.
        return f"e:{self.from_user}:{self.create_time}:{self.event}:mass:{self.msg_id}"

    @classmethod
    def extra(cls, fields):
        check = fields.get("CopyrightCheckResult")
        state = _int(check, "CheckState", -1) if isinstance(check, dict) else -1
        urls = tuple(
            ArticleUrl(_int(item, "ArticleIdx"), _text(item, "ArticleUrl"))
            for item in _items(fields, "ArticleUrlResult", "ResultList", "item")
        )
        return {
            **super().extra(fields),
            # The job id arrives as MsgID (capital D); MsgId is accepted too.
            "msg_id": _text(fields, "MsgID") or _text(fields, "MsgId"),
            "status": _text(fields, "Status"),
            "total_count": _int(fields, "TotalCount"),
            "filter_count": _int(fields, "FilterCount"),
            "sent_count": _int(fields, "SentCount"),
            "error_count": _int(fields, "ErrorCount"),
            "copyright_check_state": None if state < 0 else state,
            "article_urls": urls,
        }


@_event("PUBLISHJOBFINISH")
# An old example in WeChat's docs spells the event so; the platform sends PUBLISHJOBFINISH.
@_event("FREEPUBLISHJOBFINISH")
@dataclass(frozen=True, kw_only=True)
class PublishJobFinishEvent(Event):
    """The result of freepublish/submit; publish_status 0 is success.

    https://developers.weixin.qq.com/doc/offiaccount/Publish/Callback_on_finish.html
    """

    publish_id: str = ""
    publish_status: int = -1
    article_id: str = ""
    article_urls: tuple[ArticleUrl, ...] = ()
    fail_idx: tuple[int, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.publish_status == 0

    @property
    def dedup_key(self) -> str:
        return f"e:{self.from_user}:{self.create_time}:{self.event}:publish:{self.publish_id}"

    @classmethod
    def extra(cls, fields):
        info = fields.get("PublishEventInfo")
        if not isinstance(info, dict):
            raise MessageError("field PublishEventInfo is missing")
        urls = tuple(
            ArticleUrl(_int(item, "idx"), _text(item, "article_url"))
            for item in _items(info, "article_detail", "item")
        )
        raw_fail = info.get("fail_idx", [])
        fail = raw_fail if isinstance(raw_fail, list) else [raw_fail]
        try:
            fail_idx = tuple(int(x) for x in fail if isinstance(x, str) and x.strip())
        except ValueError:
            raise MessageError("field fail_idx must hold integers") from None
        return {
            **super().extra(fields),
            "publish_id": _text(info, "publish_id"),
            "publish_status": _int(info, "publish_status", -1),
            "article_id": _text(info, "article_id"),
            "article_urls": urls,
            "fail_idx": fail_idx,
        }


@_event("TEMPLATESENDJOBFINISH")
@dataclass(frozen=True, kw_only=True)
class TemplateSendJobFinishEvent(Event):
    msg_id: str = ""
    status: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "success"

    @classmethod
    def extra(cls, fields):
        return {
            **super().extra(fields),
            "msg_id": _text(fields, "MsgID") or _text(fields, "MsgId"),
            "status": _text(fields, "Status"),
        }


@dataclass(frozen=True, kw_only=True)
class UnknownMessage(Message):
    """Any MsgType or event not in the table above; the webhook answers it with `success`."""

    msg_id: str = ""
    event: str = ""
    event_key: str = ""

    @property
    def is_event(self) -> bool:  # type: ignore[override]
        return self.msg_type == "event"

    @classmethod
    def extra(cls, fields):
        return {
            "msg_id": _text(fields, "MsgId"),
            "event": _text(fields, "Event"),
            "event_key": _text(fields, "EventKey"),
        }


def message_class(fields: dict) -> type[Message]:
    msg_type = _text(fields, "MsgType")
    if msg_type == "event":
        return _EVENT_TYPES.get(_text(fields, "Event").lower(), UnknownMessage)
    return _MESSAGE_TYPES.get(msg_type, UnknownMessage)


def from_fields(fields: dict) -> Message:
    """Build the typed message for the fields of one push (as xmlparse.parse returns them)."""
    cls = message_class(fields)
    return cls(
        to_user=_required(fields, "ToUserName"),
        from_user=_required(fields, "FromUserName"),
        create_time=_int(fields, "CreateTime"),
        msg_type=_required(fields, "MsgType"),
        raw=fields,
        **cls.extra(fields),
    )


def parse_message(xml: bytes) -> Message:
    """Parse one push; raises xmlparse.XMLRefused or MessageError on anything unusable."""
    return from_fields(xmlparse.parse(xml))
