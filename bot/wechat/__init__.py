"""The one WeChat API client of the bot; every other part calls WeChat through it.

Inside the app: `client = get_client()`; then `client.draft.add(...)`, `client.mass.sendall(...)`,
`client.custom.send_text(openid, text)`, `client.freepublish.submit(media_id)`,
`client.menu.create(...)`, `client.user.get(openid)`, ... Failures raise WeChatAPIError
(errcode, errmsg, api, hint, retryable); `with_retries(call)` repeats the retryable ones with
capped exponential backoff.
"""

from bot.wechat.client import BotWeChatClient, build_client, get_client
from bot.wechat.errors import ALREADY_SENT, WeChatAPIError, hint_for, is_retryable
from bot.wechat.retry import with_retries

__all__ = [
    "ALREADY_SENT",
    "BotWeChatClient",
    "WeChatAPIError",
    "build_client",
    "get_client",
    "hint_for",
    "is_retryable",
    "with_retries",
]
