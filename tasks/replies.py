"""Answers that could not be given within WeChat's 5 seconds, sent with the customer-service API.

A handler returns Deferred("replies.send_text", (openid, text)): the webhook answers at once and
enqueues the task, which sends through bot.followers.sending like every customer-service message.
"""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from bot.followers import sending
from bot.webhook.replies import NewsArticle, NewsReply, TextReply
from bot.wechat import get_client
from bot.wechat.retry import retry_delay

log = logging.getLogger(__name__)

# A delivery of this task that already sent its message (a redelivery after a lost ack) is
# skipped: the mark lives as long as a follower could still be waiting for the answer.
SENT_PREFIX = "replies:sent:"
SENT_TTL = 48 * 3600
MAX_RETRIES = 5


def _deliver(task, openid: str, reply: TextReply | NewsReply) -> None:
    redis = current_app.extensions["redis"]
    mark = SENT_PREFIX + (task.request.id or "")
    if task.request.id and redis.exists(mark):
        log.info("reply task %s for %s already sent; skipped", task.request.id, openid)
        return
    try:
        sending.send(get_client(), openid, reply)
    except sending.NotSent as refused:
        exc = refused.error
        if refused.retryable and task.request.retries < MAX_RETRIES:
            log.warning("reply to %s failed (%s), retrying", openid, exc.errcode)
            raise task.retry(countdown=retry_delay(exc, task.request.retries + 1)) from None
        log.error("reply to %s not sent: errcode %s (%s)", openid, exc.errcode, exc.hint)
        raise exc from None
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
