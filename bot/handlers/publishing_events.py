"""The ends of publish and mass-send jobs: hints for the push that waits for them."""

from __future__ import annotations

from bot.publishing import job_events
from bot.webhook.router import router


@router.event("PUBLISHJOBFINISH")
def publish_job_finished(message, ctx):
    job_events.resume(job_events.on_publish_job_finish(ctx.redis, message))
    return None


@router.event("MASSSENDJOBFINISH")
def mass_send_job_finished(message, ctx):
    job_events.resume(job_events.on_mass_send_job_finish(ctx.redis, message, ctx.encrypted))
    return None
