"""Enqueue Celery tasks by name from the web side, without importing the task modules."""

from __future__ import annotations

from typing import Any

from celery.result import AsyncResult
from flask import current_app


def enqueue(task_name: str, *args: Any, **options: Any) -> AsyncResult:
    """Send a task by its explicit name; options are apply_async's (countdown, task_id, ...)."""
    celery = current_app.extensions["celery"]
    return celery.send_task(task_name, args=args, **options)
