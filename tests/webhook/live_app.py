"""The real app with the counting routing table, for gunicorn in the live tests."""

from bot import create_app
from tests.webhook.conftest import counting_router


def create():
    return create_app({"WEBHOOK_ROUTER": counting_router()})
