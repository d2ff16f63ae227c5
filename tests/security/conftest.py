"""Fixtures of the attack replays: the console's signed-in clients, the publishing part's bot."""

from tests.console.conftest import app, editor_client, publisher_client, staff  # noqa: F401
from tests.publishing.conftest import (  # noqa: F401
    bot_app,
    bot_env,
    followers,
    processes,
    webhook,
)
