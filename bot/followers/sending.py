"""Customer-service messages to one follower: the one function that sends them.

Staff replies, reminders and answers finished by a worker all come here. The client counts each
send against the follower's window and closes it when WeChat refuses (bot.wechat.apis.CustomAPI,
bot.wechat.service_window); a refusal reaches the caller as NotSent, which says whether to wait
for the follower, try again later, or give up.
"""

from __future__ import annotations

import logging

from bot.webhook.replies import NewsReply, TextReply
from bot.wechat import WeChatAPIError, service_window

log = logging.getLogger(__name__)

# WeChat's answers meaning "not now, wait for the follower to write": no window open, or its
# messages used up (the client gives them without a call when its own count says so).
WAIT_FOR_FOLLOWER = frozenset({service_window.OUTSIDE, service_window.USED_UP})


class NotSent(Exception):
    """A customer-service message WeChat (or the window count) refused; `error` is WeChat's."""

    def __init__(self, openid: str, error: WeChatAPIError) -> None:
        super().__init__(f"message to {openid} not sent: {error}")
        self.error = error
        self.waits_for_follower = error.errcode in WAIT_FOR_FOLLOWER
        self.retryable = error.retryable and not self.waits_for_follower


def send(client, openid: str, reply: TextReply | NewsReply) -> None:
    """Send a text, or the first article of a news reply (the API's link card holds one)."""
    try:
        if isinstance(reply, TextReply):
            client.custom.send_text(openid, reply.content)
        else:
            article = reply.articles[0]
            client.custom.send_news(
                openid, article.title, article.description, article.url, article.pic_url
            )
    except WeChatAPIError as exc:
        log.info("customer-service message to %s refused: errcode %s", openid, exc.errcode)
        raise NotSent(openid, exc) from exc
    log.info("customer-service %s sent to %s", type(reply).__name__, openid)
