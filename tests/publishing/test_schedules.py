"""Schedules in Redis: fired once by racing dispatchers, missed beyond the grace period."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from bot.cli import _register, cli
from bot.newsletter import store
from bot.newsletter.text_import import import_bytes
from bot.publishing import schedule
from bot.publishing.state import PushError
from config import PROJECT_ROOT

SEED = PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"


def _at(seconds_from_now: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds_from_now)


def test_a_due_schedule_fires_once_when_four_dispatchers_race(redis_client):
    sched = schedule.create(redis_client, 9, _at(-1), {"publish": True})
    fired: list[tuple[str, str]] = []
    start = threading.Barrier(4)

    def dispatcher():
        start.wait()
        schedule.dispatch_due(redis_client, lambda s, p: fired.append((s["id"], p)), grace=60)

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(fired) == 1 and fired[0][0] == sched["id"]
    after = schedule.get(redis_client, sched["id"])
    assert after["state"] == "fired" and after["push_id"] == fired[0][1]
    assert schedule.dispatch_due(redis_client, lambda s, p: fired.append(p), grace=60) == []


def test_a_schedule_not_yet_due_waits(redis_client):
    schedule.create(redis_client, 9, _at(60), {"broadcast": True})
    assert schedule.dispatch_due(redis_client, lambda s, p: None, grace=60) == []
    assert [s["state"] for s in schedule.list_all(redis_client)] == ["scheduled"]


def test_after_downtime_a_schedule_fires_within_the_grace_period_and_is_missed_beyond(
    redis_client,
):
    recent = schedule.create(redis_client, 9, _at(-600), {"publish": True})
    old = schedule.create(redis_client, 10, _at(-7200), {"publish": True})
    fired = []
    schedule.dispatch_due(redis_client, lambda s, p: fired.append(s["id"]), grace=3600)
    assert fired == [recent["id"]]
    assert schedule.get(redis_client, old["id"])["state"] == "missed"
    assert "grace" in schedule.get(redis_client, old["id"])["note"]


def test_a_dispatcher_that_died_after_claiming_is_replaced_with_the_same_push_id(redis_client):
    sched = schedule.create(redis_client, 9, _at(-1), {"publish": True})
    pushes = []

    def crash(s, push_id):
        pushes.append(push_id)
        raise KeyboardInterrupt  # the dispatcher process dies mid-fire

    with pytest.raises(KeyboardInterrupt):
        schedule.dispatch_due(redis_client, crash, grace=3600)
    # Not yet stale: nobody takes it over.
    schedule.dispatch_due(redis_client, lambda s, p: pushes.append(p), grace=3600)
    assert len(pushes) == 1
    later = time.time() + schedule.FIRING_STALE + 1
    schedule.dispatch_due(redis_client, lambda s, p: pushes.append(p), grace=3600, now=later)
    assert len(pushes) == 2 and pushes[0] == pushes[1]
    assert schedule.get(redis_client, sched["id"])["state"] == "fired"


def test_cancel_and_reschedule_work_only_while_waiting(redis_client):
    a = schedule.create(redis_client, 9, _at(60), {"publish": True})
    b = schedule.create(redis_client, 9, _at(120), {"publish": True})
    schedule.reschedule(redis_client, a["id"], _at(-1))
    schedule.cancel(redis_client, b["id"])
    fired = []
    schedule.dispatch_due(redis_client, lambda s, p: fired.append(s["id"]), grace=60)
    assert fired == [a["id"]]
    with pytest.raises(PushError, match="not waiting any more"):
        schedule.cancel(redis_client, a["id"])
    with pytest.raises(PushError, match="cancelled"):
        schedule.reschedule(redis_client, b["id"], _at(60))


@pytest.fixture
def cli_env(settings_env, redis_client, monkeypatch):
    for name, value in settings_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
    store.save_issue(redis_client, import_bytes(SEED.read_bytes()))
    _register()
    return CliRunner()


def test_the_cli_schedules_in_beijing_time_lists_and_cancels(cli_env, redis_client):
    result = cli_env.invoke(cli, ["push", "9", "--publish", "--at", "2030-06-30 09:00"])
    assert result.exit_code == 0, result.output
    sched_id = re.search(r"scheduled (s\d+):", result.output).group(1)
    at = schedule.get(redis_client, sched_id)["at"]
    assert datetime.fromtimestamp(at, UTC) == datetime(2030, 6, 30, 1, 0, tzinfo=UTC)

    listing = cli_env.invoke(cli, ["schedules"])
    assert f"{sched_id}  2030-06-30 09:00  issue 9  publish  scheduled" in listing.output
    assert cli_env.invoke(cli, ["schedules", "cancel", sched_id]).exit_code == 0
    assert "no schedules" in cli_env.invoke(cli, ["schedules"]).output
    again = cli_env.invoke(cli, ["schedules", "cancel", sched_id])
    assert again.exit_code == 1 and "not waiting any more (cancelled)" in again.output


def test_the_cli_refuses_a_second_broadcast_the_same_day_and_names_the_next_slot(cli_env):
    first = cli_env.invoke(cli, ["push", "9", "--broadcast", "--at", "2030-06-30 09:00"])
    assert first.exit_code == 0, first.output
    second = cli_env.invoke(cli, ["push", "9", "--broadcast", "--at", "2030-06-30 20:00"])
    assert second.exit_code == 1
    assert "no mass-send quota" in second.output and "2030-07-01 00:00" in second.output


def test_the_cli_refuses_bad_input_in_one_line(cli_env):
    bad_time = cli_env.invoke(cli, ["push", "9", "--publish", "--at", "tomorrow"])
    assert bad_time.exit_code == 2 and "2021-06-30 09:00" in bad_time.output
    missing = cli_env.invoke(cli, ["push", "99", "--publish"])
    assert missing.exit_code == 1 and "there is no issue 99" in missing.output
    past = cli_env.invoke(cli, ["push", "9", "--publish", "--at", "2020-01-01 09:00"])
    assert past.exit_code == 1 and "has passed" in past.output
    assert "Traceback" not in bad_time.output + missing.output + past.output
