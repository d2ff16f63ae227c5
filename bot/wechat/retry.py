"""Retry only what is retryable, with exponential backoff, full jitter and a cap."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from bot.wechat.errors import WeChatAPIError

log = logging.getLogger(__name__)
T = TypeVar("T")


def backoff_delay(attempt: int, base: float = 0.5, cap: float = 30.0) -> float:
    """Seconds before retry number `attempt` (1, 2, ...): uniform in [0, min(cap, base*2^n)]."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


# WeChat's per-minute limit (45011, "retry next minute") frees when the minute turns.
PER_MINUTE_LIMIT = 45011


def retry_delay(exc: WeChatAPIError, attempt: int, base: float = 0.5, cap: float = 30.0) -> float:
    """Seconds before retrying after `exc`: into the next minute for 45011, else backoff."""
    if exc.errcode == PER_MINUTE_LIMIT:
        return 60 - time.time() % 60 + random.uniform(0.5, 2.0)
    return backoff_delay(attempt, base, cap)


def with_retries(
    call: Callable[[], T],
    attempts: int = 5,
    base: float = 0.5,
    cap: float = 30.0,
    what: str = "WeChat call",
    on_network: Callable[[], T | None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `call`; repeat it after retryable WeChatAPIErrors, at most `attempts` times in all.

    After a network error (no errcode: the call may have reached WeChat) `on_network` is asked
    first, and its answer, if not None, is the result instead of a repeat.
    """
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except WeChatAPIError as exc:
            if not exc.retryable or attempt == attempts:
                raise
            if exc.errcode is None and on_network is not None:
                result = on_network()
                if result is not None:
                    return result
            delay = retry_delay(exc, attempt, base, cap)
            log.warning("%s: errcode %s, retry %d in %.2fs", what, exc.errcode, attempt, delay)
            sleep(delay)
    raise AssertionError("unreachable")
