"""A Celery app for the beat-lock test: our locked scheduler firing one task every half second."""

import os

from celery import Celery

url = os.environ["REDIS_URL"]
app = Celery("beat_probe", broker=url)
app.conf.update(
    beat_scheduler="tasks.beat:LockedScheduler",
    mmsp_redis_url=url,
    beat_schedule={"probe": {"task": "probe.tick", "schedule": 0.5}},
    task_default_queue="beat-probe",
    broker_connection_retry_on_startup=True,
)
