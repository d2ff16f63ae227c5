"""The statistics job: beat runs it every 10 minutes; the work is bot.stats.collect.collect."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from bot.stats.collect import collect
from bot.wechat import get_client


@shared_task(name="stats.collect", ignore_result=True)
def collect_statistics(now: float | None = None) -> dict[str, int]:
    """Read the datacube figures that are due (each day once; `now` moves the job's clock)."""
    return collect(current_app.extensions["redis"], get_client(), now)
