"""A push, and a due reminder, through a manual Sentinel fail-over: each goes out once.

Worker and beat run on Redis Sentinel (a master, two replicas, three sentinels). The fail-over
comes while the push waits for WeChat's publish job; the push resumes by itself on the new
master, publishes once, and leaves no draft behind.
"""

from __future__ import annotations

import time

import pytest

from bot import create_app
from bot.followers import reminders
from bot.newsletter import store
from bot.newsletter.text_import import import_bytes
from bot.publishing import api, state
from bot.redisdb import connect
from tests.publishing.conftest import SEED, successful_calls
from tests.support import redis_ha
from tests.support.live import serve_wsgi, wait_until


@pytest.fixture
def ha(tmp_path):
    yield from redis_ha.running(tmp_path)


def test_a_push_and_a_reminder_go_out_once_through_a_manual_failover(
    ha, bot_env, sandbox, followers, processes
):
    env = {**bot_env, "REDIS_URL": ha.url}
    app = create_app({**env, "STAFF_OPENIDS": (followers["alice"],), "TESTING": True})
    r = connect(ha.url)
    issue = import_bytes(SEED.read_bytes())
    store.save_issue(r, issue)
    sandbox.configure(publish_delay=4.0)
    with serve_wsgi(app) as url:
        # chen writes (WeChat's 48-hour window opens) and asks for a reminder that comes due
        # meanwhile.
        sandbox.configure(webhook_url=f"{url}/wechat")
        assert sandbox.say("chen", "hello")["delivery"]["status"] == "reply"
        reminders.request(r, followers["chen"], _due_soon())
        _publish_through_a_failover(ha, app, env, r, issue, sandbox, followers, processes)


def _publish_through_a_failover(ha, app, env, r, issue, sandbox, followers, processes):
    processes.worker(env)
    processes.beat(env)
    with app.app_context():
        push_id = api.start_push(r, issue.number, publish=True)["id"]

    wait_until(lambda: _state(r, push_id) == "publishing", 60, 0.05, "the publish job to start")
    old_master = ha.master()
    ha.failover()
    push = wait_until(
        lambda: (p := _load(r, push_id)) and p.state in state.TERMINAL and p,
        90,
        0.2,
        "the push to finish after the fail-over",
    )
    assert ha.master() is not old_master
    assert push.state == "done", push.fields
    assert successful_calls(sandbox, "freepublish/submit") == 1
    # One draft, published: no step was done twice, no draft left over.
    assert successful_calls(sandbox, "draft/add") == 1
    assert sandbox.records("drafts") == {} or not sandbox.records("drafts").get("items")
    # The reminder job (beat runs it every minute) on the worker of the new master.
    app.extensions["celery"].send_task("reminders.send_due")
    wait_until(lambda: _reminder_state(r, followers["chen"]) == "sent", 60, 0.2, "chen's reminder")
    sent = [c for c in sandbox.calls("message/custom/send") if not c.get("errcode")]
    assert len(sent) == 1


def _due_soon() -> reminders.Reminder:
    period = time.strftime("%Y-%m-%d/%Y-%m-%d")
    return reminders.Reminder(
        id="event:9:1", kind="event", issue=9, title="Expo", period=period, due=time.time()
    )


def _state(r, push_id: str) -> str | None:
    push = _load(r, push_id)
    return push.state if push else None


def _load(r, push_id: str):
    try:
        return state.load(r, push_id)
    except Exception:  # the fail-over: ask again
        return None


def _reminder_state(r, openid: str) -> str | None:
    try:
        reminder = reminders.get(r, openid, "event:9:1")
    except Exception:
        return None
    return reminder.state if reminder else None
