"""The followers' tests: the bot served on loopback, the sandbox as WeChat and its followers."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from bot import create_app
from bot.followers import menu as menu_file
from bot.newsletter import store
from bot.newsletter.text_import import import_text
from config import PROJECT_ROOT
from tests.support.live import serve_wsgi

SEED = PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"


class Phones:
    """The sandbox's followers, driven over HTTP as a person would use WeChat."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.base = f"{sandbox.url}/sandbox/followers"
        self.http = requests.Session()

    def _post(self, path: str, **body: Any) -> dict:
        response = self.http.post(f"{self.base}/{path}", json=body, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    @staticmethod
    def _answers(result: dict) -> list[dict]:
        return [e for e in result["replies"] if e["sender"] == "account"]

    def follow(self, name: str, language: str = "en", scene: str = "") -> list[dict]:
        return self._answers(self._post(f"{name}/follow", language=language, scene=scene))

    def unfollow(self, name: str) -> None:
        self._post(f"{name}/unfollow")

    def say(self, name: str, text: str) -> list[dict]:
        return self._answers(self._post(f"{name}/say", text=text))

    def text(self, name: str, text: str) -> str:
        """The one text answer to a message (fails the test when it is anything else)."""
        answers = self.say(name, text)
        assert len(answers) == 1 and answers[0]["type"] == "text", answers
        return answers[0]["content"]

    def click(self, name: str, key: str) -> list[dict]:
        return self._answers(self._post(f"{name}/click", key=key))

    def inbox(self, name: str) -> list[dict]:
        response = self.http.get(f"{self.base}/{name}/inbox", timeout=10)
        return [e for e in response.json()["inbox"] if e["sender"] == "account"]

    def openid(self, name: str) -> str:
        return self.http.get(f"{self.base}/{name}/inbox", timeout=10).json()["openid"]


@pytest.fixture
def bot_app(settings_env, redis_client, sandbox):
    """The bot's app pointed at the sandbox as its WeChat API."""
    return create_app({**settings_env, "WECHAT_API_BASE": sandbox.api_base})


@pytest.fixture
def phones(bot_app, sandbox):
    """Followers whose messages reach the bot served on a free loopback port."""
    with serve_wsgi(bot_app) as url:
        sandbox.configure(webhook_url=f"{url}/wechat")
        yield Phones(sandbox)


@pytest.fixture
def seed_issue(redis_client):
    """The 9th issue, imported from the seed text and stored (not yet published)."""
    issue = import_text(SEED.read_text(encoding="utf-8"))
    store.save_issue(redis_client, issue, source="seed")
    return issue


@pytest.fixture
def menu_at_wechat(bot_app):
    """The menu file pushed to the sandbox, so that followers can tap its buttons."""
    from bot.wechat import get_client

    with bot_app.app_context():
        get_client().menu.create(menu_file.load())
    return menu_file.load()


def publish_issue(bot_app, redis_client, sandbox, number: int) -> None:
    """Push a stored issue through the real publishing pipeline, the sandbox's jobs run at once."""
    from bot.publishing.api import run, start_push

    with bot_app.app_context():
        push = start_push(redis_client, number, publish=True, preview_to=[])
        for _ in range(200):
            if run(push["id"]).kind in ("done", "failed"):
                break
            sandbox.run_jobs()
            time.sleep(0.02)


@pytest.fixture
def published_seed(bot_app, seed_issue, sandbox, redis_client):
    """The seed issue taken through the real publishing pipeline to the sandbox, published."""
    from bot.publishing.api import published_articles

    publish_issue(bot_app, redis_client, sandbox, seed_issue.number)
    articles = published_articles(redis_client, seed_issue.number)
    assert articles, "the seed issue did not get published in the sandbox"
    return articles


def month_from_now(months: int, tz: str = "Asia/Shanghai") -> str:
    """The YYYY-MM month `months` away from this one, in the account's time zone."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo(tz))
    index = today.year * 12 + today.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def announcing_issue(number: int = 8):
    """An older issue (No. 8) announcing: one item that ended last month, then three that have
    not ended (this month; this month and the next; a year ahead)."""
    from bot.newsletter.model import Issue, Upcoming

    return Issue(
        number=number,
        month="2021-03",
        title="Announcements",
        upcoming=[
            Upcoming(
                title="Closing Conference of Last Month",
                start=month_from_now(-1),
                end=month_from_now(-1),
            ),
            Upcoming(
                title="Workshop on Practical Cooperation on Return and Readmission",
                start=month_from_now(0),
                end=month_from_now(0),
            ),
            Upcoming(
                title="Second Field Visit in China for EU Officials",
                start=month_from_now(0),
                end=month_from_now(1),
            ),
            Upcoming(
                title="Seminar for Chinese Officials on Anti-Document Fraud",
                start=month_from_now(12),
                end=month_from_now(12),
            ),
        ],
    )


@pytest.fixture
def announced(redis_client, seed_issue):
    """The seed issue (No. 9, its announcements long past) and No. 8 announcing what is ahead:
    "events" lists from every issue."""
    issue = announcing_issue()
    store.save_issue(redis_client, issue, source="test")
    return issue
