"""The errcode policy in one place: which answers are worth retrying, what a person can do."""

from __future__ import annotations

import re

from wechatpy.exceptions import WeChatClientException

# Answers that mean "try again later": -1 (busy), 45009 (API call limit; see RETRY NOTE below),
# 45011 (per-minute frequency limit). Network errors and HTTP 5xx (errcode None) are retryable too.
# RETRY NOTE: the official global code list calls 45009 the *daily* API quota ("reach max api
# daily quota limit"); retrying within minutes only helps when the answer was a transient limit,
# which is why every retry loop over this policy has a cap and then fails with the hint below.
RETRYABLE_CODES = frozenset({-1, 45009, 45011})

# The access token was revoked, is invalid, or expired: refresh it (once) and repeat the call.
TOKEN_CODES = frozenset({40001, 40014, 42001})

# The mass send with this clientmsgid already happened: a duplicate, not a failure.
ALREADY_SENT = 45065

HINTS: dict[int, str] = {
    -1: "WeChat is busy; the call is retried with backoff.",
    40001: "The access token or AppSecret is not valid: check WECHAT_APPID and WECHAT_SECRET.",
    40013: "The AppID is not valid: check WECHAT_APPID.",
    40014: "The access token is not valid; the bot refreshes it once and retries.",
    42001: "The access token expired; the bot refreshes it once and retries.",
    40125: "The AppSecret is wrong: copy it again from the MP console and set WECHAT_SECRET.",
    40164: "This server's IP is not on the account's IP whitelist: add it in the MP console "
    "(Settings and Development > Basic configuration).",
    40003: "The openid is not a follower of this account: check STAFF_OPENIDS or the recipient.",
    40005: "The file type is not accepted: article images must be JPG or PNG.",
    40007: "The media_id is not valid (expired or from another account): upload it again.",
    40009: "The image is too large: article images must stay under 1 MB, thumbs under 64 KB.",
    44003: "The draft has no articles: render the issue again.",
    45002: "An article's content is too long: keep it under 20,000 characters.",
    45003: "An article title is too long: keep it within 32 characters.",
    45004: "An article digest is too long: keep it within 128 characters.",
    45009: "The account reached WeChat's API call limit for today: wait until tomorrow or clear "
    "the quota in the MP console (clear_quota, 10 times a month).",
    45011: "Too many calls this minute (WeChat's per-minute limit): retried when the minute turns.",
    45015: "No customer-service window is open for this follower (a message opens 48 hours, a "
    "follow, scan or menu click one minute): it waits for their next message.",
    45028: "No mass-send quota left for this period: schedule the broadcast for the next free "
    "slot, or publish without a broadcast.",
    45047: "The follower's customer-service window is used up (5 messages after a message, 3 "
    "after a follow, scan or click): it waits for their next message.",
    45065: "This broadcast was already sent (same clientmsgid): nothing was sent twice.",
    45066: "The same broadcast was retried within a minute: check its status before retrying.",
    45067: "The clientmsgid is longer than 64 bytes: this is a bug in the bot.",
    45103: "This API was retired by WeChat: use the draft box and freepublish instead.",
    45106: "This API was retired by WeChat: use the draft box and freepublish instead.",
    45110: "An article author is too long: keep it within 16 characters.",
    48001: "The account lacks permission for this API (account type or verification): check the "
    "interface permissions in the MP console.",
    53503: "WeChat's publish check refused the draft: open it in the MP console to see why.",
    53504: "This draft must be published from the MP console web page.",
    53505: "Open and save the draft manually in the MP console, then publish again.",
}


def hint_for(errcode: int | None) -> str:
    """A sentence a person can act on for this errcode (network errors have errcode None)."""
    if errcode is None:
        return "WeChat could not be reached (network error or timeout): check WECHAT_API_BASE."
    return HINTS.get(errcode, "See WeChat's global return codes for this errcode.")


def is_retryable(errcode: int | None) -> bool:
    """True when repeating the same call later may succeed."""
    return errcode is None or errcode in RETRYABLE_CODES


class WeChatAPIError(WeChatClientException):
    """A WeChat API call failed; carries errcode, errmsg, the API path, a hint and retryability."""

    def __init__(
        self,
        errcode: int | None,
        errmsg: str,
        api: str = "",
        result: dict | None = None,
        client=None,
        request=None,
        response=None,
    ):
        super().__init__(errcode, errmsg, client=client, request=request, response=response)
        self.api = api
        self.result = result or {}
        # A token refused again right after its renewal is still worth another try later (the
        # client renews it each time); from the token endpoint itself it means bad credentials.
        self.retryable = is_retryable(errcode) or (errcode in TOKEN_CODES and api != "stable_token")
        self.hint = hint_for(errcode)

    def __str__(self) -> str:
        code = "network" if self.errcode is None else self.errcode
        return f"{self.api or 'WeChat API'}: errcode {code}: {self.errmsg} ({self.hint})"


def network_error(api: str, exc: Exception) -> WeChatAPIError:
    """Wrap a transport failure (timeout, refused, reset, HTTP 5xx) as a retryable API error."""
    return WeChatAPIError(None, redact(f"{type(exc).__name__}: {exc}")[:300], api=api)


_SECRETS = re.compile(r"(access_token|secret)=[^&\s'\")]+")


def redact(text: str) -> str:
    """Remove access tokens and secrets from a message (requests puts the URL in its errors)."""
    return _SECRETS.sub(r"\1=***", text)
