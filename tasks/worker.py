"""Entry point of `celery -A tasks.worker worker|beat`: the Celery app of a fresh Flask app."""

from bot import create_app

flask_app = create_app()
app = celery = flask_app.extensions["celery"]
