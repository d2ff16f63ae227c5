"""The reminder job: beat runs it every minute; the work is bot.followers.delivery.send_due."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from bot.followers import delivery
from bot.wechat import get_client


@shared_task(name="reminders.send_due", ignore_result=True)
def send_due() -> dict[str, int]:
    """Send the reminders that are due (each claimed once, so overlapping runs are harmless)."""
    return delivery.send_due(current_app.extensions["redis"], get_client())
