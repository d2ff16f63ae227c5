"""Answers that could not be given within WeChat's 5 seconds, sent with the customer-service API.

A handler returns Deferred("replies.send_text", (openid, text)) and the webhook enqueues it;
task modules that compute an answer themselves call send_reply(openid, reply) at the end.
"""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from bot.webhook.replies import NewsArticle, NewsReply, TextReply
from bot.wechat import WeChatAPIError, get_client
from bot.wechat.retry import retry_delay

log = logging.getLogger(__name__)

# A delivery of this task that already sent its message (a redelivery after a lost ack) is
# skipped: the mark lives as long as a follower could still be waiting for the answer.
SENT_PREFIX = "replies:sent:"
SENT_TTL = 48 * 3600
MAX_RETRIES = 5


def send_reply(openid: str, reply: TextReply | NewsReply) -> None:
    """Send a text, or the first article of a news reply (the API's link card holds one)."""
    client = get_client()
    if isinstance(reply, TextReply):
        client.custom.send_text(openid, reply.content)
        return
    article = reply.articles[0]
    client.custom.send_news(
        openid, article.title, article.description, article.url, article.pic_url
    )


def _deliver(task, openid: str, reply: TextReply | NewsReply) -> None:
    redis = current_app.extensions["redis"]
    mark = SENT_PREFIX + (task.request.id or "")
    if task.request.id and redis.exists(mark):
        log.info("reply task %s for %s already sent; skipped", task.request.id, openid)
        return
    try:
        send_reply(openid, reply)
    except WeChatAPIError as exc:
        if exc.retryable and task.request.retries < MAX_RETRIES:
            log.warning("reply to %s failed (%s), retrying", openid, exc.errcode)
            raise task.retry(countdown=retry_delay(exc, task.request.retries + 1)) from None
        log.error("reply to %s not sent: errcode %s (%s)", openid, exc.errcode, exc.hint)
        raise
    if task.request.id:
        redis.set(mark, "1", ex=SENT_TTL)
    log.info("reply task %s sent to %s", task.request.id, openid)


@shared_task(name="replies.send_text", bind=True, max_retries=MAX_RETRIES)
def send_text(self, openid: str, content: str) -> None:
    """Send `content` to the follower `openid`."""
    _deliver(self, openid, TextReply(content))


@shared_task(name="replies.send_news", bind=True, max_retries=MAX_RETRIES)
def send_news(
    self, openid: str, title: str, description: str = "", url: str = "", pic_url: str = ""
):
    """Send one link card to the follower `openid`."""
    _deliver(self, openid, NewsReply([NewsArticle(title, description, pic_url, url)]))
