"""What a handler may answer, and the passive-reply XML WeChat expects for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.webhook.messages import Message

# WeChat's rule since 2018-10-12: a reply to a follower's message shows one article; replies to
# events (subscribe, menu clicks, ...) may carry up to eight.
MAX_ARTICLES_TO_MESSAGE = 1
MAX_ARTICLES = 8

# The body that tells WeChat "received, nothing to show"; it is never encrypted.
SUCCESS = "success"


class ReplyError(ValueError):
    """A handler built a reply WeChat would refuse (too many articles, say)."""


@dataclass(frozen=True)
class TextReply:
    content: str


@dataclass(frozen=True)
class NewsArticle:
    title: str
    description: str = ""
    pic_url: str = ""
    url: str = ""


@dataclass(frozen=True)
class NewsReply:
    articles: Sequence[NewsArticle]

    def __post_init__(self) -> None:
        articles = tuple(self.articles)
        if not 1 <= len(articles) <= MAX_ARTICLES:
            raise ReplyError(
                f"a news reply carries 1 to {MAX_ARTICLES} articles, not {len(articles)}"
            )
        object.__setattr__(self, "articles", articles)


@dataclass(frozen=True)
class Deferred:
    """Answer now (`success`, or a short holding text) and let a Celery task send the real answer.

    The webhook enqueues the task by name (bot.jobs.enqueue) with a task id fixed by the push;
    the task reaches the follower through the customer-service API (see tasks/replies.py). This
    is the one way to answer after the reply (the web process keeps no threads for slow work).
    """

    task_name: str
    args: tuple[Any, ...] = field(default=())
    holding: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "args", tuple(self.args))


Reply = TextReply | NewsReply | Deferred


def _cdata(text: str) -> str:
    # A literal "]]>" would end the section early; split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _head(message: Message, now: int, msg_type: str) -> str:
    return (
        f"<xml><ToUserName>{_cdata(message.from_user)}</ToUserName>"
        f"<FromUserName>{_cdata(message.to_user)}</FromUserName>"
        f"<CreateTime>{now}</CreateTime><MsgType>{_cdata(msg_type)}</MsgType>"
    )


def _text_xml(content: str, message: Message, now: int) -> str:
    return f"{_head(message, now, 'text')}<Content>{_cdata(content)}</Content></xml>"


def _news_xml(reply: NewsReply, message: Message, now: int) -> str:
    limit = MAX_ARTICLES if message.is_event else MAX_ARTICLES_TO_MESSAGE
    if len(reply.articles) > limit:
        raise ReplyError(
            f"a reply to a follower's message carries at most {limit} article, "
            f"not {len(reply.articles)}"
        )
    items = "".join(
        f"<item><Title>{_cdata(a.title)}</Title><Description>{_cdata(a.description)}"
        f"</Description><PicUrl>{_cdata(a.pic_url)}</PicUrl><Url>{_cdata(a.url)}</Url></item>"
        for a in reply.articles
    )
    return (
        f"{_head(message, now, 'news')}<ArticleCount>{len(reply.articles)}</ArticleCount>"
        f"<Articles>{items}</Articles></xml>"
    )


def render(reply: Reply | None, message: Message, now: int) -> str:
    """The passive reply body for this reply to this message (`success` when there is none)."""
    if reply is None:
        return SUCCESS
    if isinstance(reply, TextReply):
        # WeChat shows an error for a text reply with empty content; `success` shows nothing.
        return _text_xml(reply.content, message, now) if reply.content.strip() else SUCCESS
    if isinstance(reply, NewsReply):
        return _news_xml(reply, message, now)
    if isinstance(reply, Deferred):
        return SUCCESS if reply.holding is None else _text_xml(reply.holding, message, now)
    raise ReplyError(f"a handler returned {type(reply).__name__}, not a reply")
