"""Fixtures of the console tests: staff accounts and signed-in test clients."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer

from bot.console import accounts
from config import PROJECT_ROOT

EDITOR_PASSWORD = "editor-pass-123"
PUBLISHER_PASSWORD = "publisher-pass-456"


@pytest.fixture
def staff(redis_client):
    """An editor and a publisher."""
    accounts.create_staff(redis_client, "erin", EDITOR_PASSWORD, "editor")
    accounts.create_staff(redis_client, "paul", PUBLISHER_PASSWORD, "publisher")
    return {"editor": "erin", "publisher": "paul"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def sign_in(client, name: str, password: str):
    """Sign in through the real form; returns the response to the form post."""
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    return client.post(
        "/console/login", data={"name": name, "password": password, "csrf_token": token}
    )


def session_for(client, redis_client, name: str) -> str:
    """Give the client a session of `name` without the slow password check; returns its token."""
    sid = accounts.start_session(redis_client, name)
    raw = f"token-{name}"
    with client.session_transaction() as session:
        session["_user_id"] = sid  # where Flask-Login keeps the signed-in user's id
        session["csrf_token"] = raw  # Flask-WTF's value; forms carry a signed copy of it
    signer = URLSafeTimedSerializer(client.application.secret_key, salt="wtf-csrf-token")
    return signer.dumps(raw)


def signed_in(app, redis_client, name: str):
    """A test client of `app` with a session of `name`; its CSRF token is `.csrf`."""
    client = app.test_client()
    client.csrf = session_for(client, redis_client, name)
    return client


@pytest.fixture
def editor_client(app, redis_client, staff):
    return signed_in(app, redis_client, "erin")


@pytest.fixture
def publisher_client(app, redis_client, staff):
    return signed_in(app, redis_client, "paul")


@pytest.fixture
def app(settings_env, redis_client):
    """The app, its WeChat API base a closed loopback port: unit tests never reach the internet."""
    from bot import create_app
    from tests.support.live import free_port

    base = f"http://127.0.0.1:{free_port()}/cgi-bin/"
    return create_app({**settings_env, "WECHAT_API_BASE": base, "TESTING": True})


# Debian's chromium (.ci/run installs it); CHROMIUM_PATH points elsewhere on other systems.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Browser tests keep a screenshot of every page they show, one folder per test module.
SHOTS_ROOT = PROJECT_ROOT / "tests" / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; a missing browser fails in one line."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"chromium is not installed at {CHROMIUM}: apt-get install chromium (.ci/run does)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    shutil.rmtree(SHOTS_ROOT, ignore_errors=True)
    yield browser
    browser.close()
    playwright.stop()
