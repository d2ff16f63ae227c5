"""SIGKILL the worker while each WeChat call of a push is in flight: the push still ends once."""

from __future__ import annotations

import time

from bot.publishing import api, state
from tests.publishing.conftest import successful_calls
from tests.support.live import wait_until

# The calls to kill in, the field that shows the call has started. A push that broadcasts
# makes no freepublish (the mass send publishes), so a second push publishes only.
BROADCAST_KILL_POINTS = [
    ("draft/add", "draft_intent_at"),
    ("message/mass/preview", None),
    ("message/mass/sendall", "mass_intent_at"),
]
PUBLISH_KILL_POINTS = [("freepublish/submit", "publish_intent_at")]


def _kill_in_each_call(bot_env, sandbox, processes, redis_client, push_id, points):
    for path, started_field in points:
        sandbox.set_faults(slow=1.0, slow_seconds=4, paths=[path])
        worker = processes.worker(bot_env, "doomed", concurrency=1)

        def in_flight(path=path, field=started_field):
            push = state.load(redis_client, push_id)
            if field is not None:
                return push.get(field)
            return any(c["path"] == path for c in sandbox.calls(path)) or push.get("preview_done")

        if path == "message/mass/preview":
            # The preview call leaves no intent: it is in flight once the draft is recorded.
            wait_until(lambda: state.load(redis_client, push_id).state == "drafted", 40, 0.05)
        else:
            wait_until(in_flight, 40, 0.05, f"{path} to start")
        time.sleep(1.0)  # the call is at the sandbox now, its answer delayed
        worker.kill()
        sandbox.clear_faults()

    survivor = processes.worker(bot_env, "survivor")
    push = wait_until(
        lambda: (p := state.load(redis_client, push_id)) and p.state in state.TERMINAL and p,
        90,
        0.2,
        "the push to finish after the crashes",
    )
    survivor.kill()
    return push


def test_a_worker_killed_in_each_call_is_followed_by_one_that_finishes_the_push_once(
    seed_issue, bot_app, bot_env, webhook, sandbox, followers, processes, redis_client
):
    processes.beat(bot_env)
    with bot_app.app_context():
        push_id = api.start_push(redis_client, seed_issue, publish=True, broadcast=True)["id"]
    env = (bot_env, sandbox, processes, redis_client)
    push = _kill_in_each_call(*env, push_id, BROADCAST_KILL_POINTS)
    assert push.state == "done", push.fields
    assert int(push["sent_count"]) == len(followers)

    with bot_app.app_context():
        push_id = api.start_push(redis_client, seed_issue, publish=True)["id"]
    push = _kill_in_each_call(*env, push_id, PUBLISH_KILL_POINTS)
    assert push.state == "done", push.fields
    assert successful_calls(sandbox, "freepublish/submit") == 1
    assert successful_calls(sandbox, "message/mass/sendall") == 1
    # One draft per push, each added once although a worker died inside draft/add.
    assert successful_calls(sandbox, "draft/add") == 2
    assert len(sandbox.records("publishes")) == 1 and len(sandbox.records("mass")) == 1
