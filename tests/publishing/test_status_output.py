"""What `mmsp-bot status` prints of a push and a schedule, from records a runner wrote."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from bot.cli import _register, cli
from bot.clock import people_time
from bot.publishing import schedule, state
from config import load_settings

PEOPLE_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


@pytest.fixture
def status_cli(settings_env, redis_client, monkeypatch):
    """Run `mmsp-bot status ARGS...` in this process against the test Redis."""
    for name, value in settings_env.items():
        monkeypatch.setenv(name, value)
    _register()
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, ["status", *args])


def _published_push(r, push_id: str = "p1") -> None:
    """A push of issue 9 that drafted, previewed and published, written as a runner does."""
    state.create(r, push_id, {"number": 9, "publish": True, "preview_to": ["oSTAFF"], "by": "cli"})
    lease = state.Lease(r, push_id)
    assert lease.acquire()
    try:
        push = state.load(r, push_id)
        lease.move(push, "drafted", {"draft_media_id": "MEDIA1", "articles_meta": [{"title": "A"}]})
        lease.move(push, "previewed", {"preview_done": ["oSTAFF"]})
        lease.move(push, "publishing", {"publish_id": "PUB1"})
        lease.move(push, "published", {"article_id": "ART1", "article_urls": ["http://a/1"]})
        lease.move(push, "done")
    finally:
        lease.release()


def test_status_json_is_the_whole_record_with_its_times_in_the_timezone(
    status_cli, redis_client, settings_env
):
    _published_push(redis_client)
    result = status_cli("p1", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)

    stored = state.load(redis_client, "p1").fields
    assert set(shown) == set(stored) | {"published", "waiting"}
    assert shown["id"] == "p1" and shown["number"] == 9 and shown["state"] == "done"
    assert shown["publish"] == "1" and shown["preview_to"] == ["oSTAFF"]
    assert shown["draft_media_id"] == "MEDIA1" and shown["article_urls"] == ["http://a/1"]
    assert shown["published"] == [] and shown["waiting"] == ""
    tz = load_settings(environ=settings_env, dotenv=None).tz
    assert list(shown["times"]) == list(stored["times"])
    for step, at in shown["times"].items():
        assert PEOPLE_TIME.match(at), at
        assert at == people_time(datetime.fromisoformat(stored["times"][step]), tz)


def test_status_of_a_fired_schedule_shows_the_schedule_then_its_push(status_cli, redis_client):
    _published_push(redis_client, "p1")
    due = datetime.now(UTC) + timedelta(hours=1)
    sched = schedule.create(redis_client, 9, due, {"publish": True}, by="paul")
    redis_client.hset(f"sched:{sched['id']}", mapping={"state": "fired", "push_id": "p1"})

    lines = status_cli(sched["id"]).output.splitlines()
    assert re.match(rf"^schedule {sched['id']}: issue 9 at [-\d]+ [\d:]+, fired$", lines[0])
    assert lines[1] == "push p1: issue 9, done"
    steps = [line.split()[0] for line in lines[3:8]]
    assert steps == ["pending", "drafted", "previewed", "publishing", "published"]
    assert "  publish id: PUB1" in lines and "  article: http://a/1" in lines

    shown = json.loads(status_cli(sched["id"], "--json").output)
    assert shown["schedule"]["state"] == "fired" and shown["schedule"]["push_id"] == "p1"
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d$", shown["schedule"]["local_at"])
    assert shown["id"] == "p1" and shown["state"] == "done"


def test_a_runner_keeps_its_copy_of_the_push_as_redis_holds_it(redis_client):
    state.create(redis_client, "p1", {"number": 9})
    lease = state.Lease(redis_client, "p1")
    assert lease.acquire()
    try:
        push = state.load(redis_client, "p1")
        lease.record(push, {"covers": [{"media_id": "C1"}], "reuploaded": True, "at": 1.5})
        lease.move(push, "drafted", {"draft_media_id": "MEDIA1", "tag_id": None})
    finally:
        lease.release()
    assert push.fields == state.load(redis_client, "p1").fields
    assert push["covers"] == [{"media_id": "C1"}] and push["reuploaded"] == "1"
