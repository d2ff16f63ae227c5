"""The Celery app, made from the Flask app so that every task runs in an app context.

create_app() calls make_celery(); the worker and beat entry point is tasks.worker
(`celery -A tasks.worker worker`). The web side enqueues by task name through bot.jobs.enqueue,
so it never imports task modules.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from bot.logs import quiet_routine_tasks
from bot.redisdb import celery_connection

# Task modules, imported by the worker; each later part adds its module here.
TASK_MODULES: list[str] = [
    "tasks.replies",
    "tasks.publishing",
    "tasks.reminder_delivery",
    "tasks.stats",
]

# Periodic tasks of beat, one entry per part.
BEAT_SCHEDULE: dict[str, dict] = {}
# Due schedules fire and stalled pushes resume within this many seconds.
BEAT_SCHEDULE["publishing-tick"] = {"task": "publishing.tick", "schedule": 2.0}
# Due reminders go out within a minute of their time.
BEAT_SCHEDULE["reminders-send-due"] = {"task": "reminders.send_due", "schedule": 60.0}
# WeChat's statistics of yesterday, read once after 08:00 Beijing time (asks nothing when done).
BEAT_SCHEDULE["stats-collect"] = {"task": "stats.collect", "schedule": 600.0}


def make_celery(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    settings = app.extensions["settings"]
    celery = Celery(app.name, task_cls=FlaskTask, include=TASK_MODULES)
    celery.conf.update(
        # REDIS_URL as Celery spells it (a sentinel:// URL becomes its list of sentinels).
        **celery_connection(settings.REDIS_URL),
        # Tasks are idempotent steps: acknowledge after they finish, so a killed worker's task
        # is delivered again, and take one at a time so nothing waits behind a slow job.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        timezone=settings.TIMEZONE,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        # Beat fires only while it holds a Redis lock, so a second beat cannot double-fire.
        beat_scheduler="tasks.beat:LockedScheduler",
        mmsp_redis_url=settings.REDIS_URL,
        beat_schedule=BEAT_SCHEDULE,
    )
    # The tick's runs say nothing new; what they change (a push started, a step done) is logged.
    quiet_routine_tasks(tuple(entry["task"] for entry in BEAT_SCHEDULE.values()))
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
