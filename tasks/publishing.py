"""Celery tasks of the publishing pipeline: thin, named, taking ids; bot.publishing works."""

from __future__ import annotations

import logging

from celery import shared_task

from bot.publishing import api

log = logging.getLogger(__name__)

# Longest countdown a waiting push is re-queued with; beat's tick picks it up anyway.
MAX_COUNTDOWN = 60


@shared_task(name="publishing.advance", bind=True, ignore_result=True)
def advance(self, push_id: str) -> str:
    """Run push `push_id` as far as it goes; come back later when it waits for WeChat."""
    outcome = api.run(push_id)
    log.info("push %s: run ended %s", push_id, outcome.kind)
    if outcome.kind == "wait":
        self.apply_async((push_id,), countdown=min(outcome.delay, MAX_COUNTDOWN))
    return outcome.kind


@shared_task(name="publishing.tick", ignore_result=True)
def tick() -> dict:
    """Fire due schedules and resume stalled pushes (beat sends this every few seconds)."""
    return api.tick()
