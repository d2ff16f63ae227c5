"""The issues' index version rides on the webhook's claim; answers then read the issues' content
through this process's copy for that version (bot/webhook/content_cache.py), at no round trip,
and the search knows at no cost whether its vocabulary is still current."""

from __future__ import annotations

from bot.newsletter import store
from bot.webhook.content_cache import ContentReads, cache_for, database_of
from bot.webhook.messages import UnsubscribeEvent
from bot.webhook.router import router


@router.prefetch
def content_version(message, pipe) -> None:
    """Queue the read of the index version (events from WeChat's jobs answer nothing)."""
    if not isinstance(message, UnsubscribeEvent):
        pipe.get(store.INDEX_VERSION)


@router.context_step
def content_reads(message, ctx) -> None:
    """Answer from the content kept for the version read with the claim (when it was read)."""
    got = ctx.prefetched.get("content_version")
    if got is not None:
        version = int(got[0] or 0)
        ctx.redis = ContentReads(ctx.redis, cache_for(version, database_of(ctx.redis)))
