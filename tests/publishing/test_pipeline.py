"""The seed issue through real Celery workers to the sandbox: draft, preview, publish, broadcast."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from bot.publishing import api, state
from tests.publishing.conftest import successful_calls, wait_push
from tests.support.live import wait_until


def _push(app, redis_client, number, **options) -> str:
    with app.app_context():
        return api.start_push(redis_client, number, by="test", **options)["id"]


def _finished(redis_client, push_id):
    def check():
        push = state.load(redis_client, push_id)
        return push if push and push.state in state.TERMINAL else None

    return check


def test_publish_and_broadcast_leave_exactly_one_public_copy(
    seed_issue, bot_app, bot_env, webhook, sandbox, followers, processes, redis_client, run_cli
):
    processes.worker(bot_env)
    started = run_cli("push", str(seed_issue), "--publish", "--broadcast")
    assert started.exit_code == 0, started.output
    push = wait_push(redis_client, seed_issue)

    assert push.state == "done", push.fields
    for step in ("pending", "drafted", "previewed", "broadcast", "done"):
        assert step in push["times"]
    # The mass send is the publication: no freepublish, one draft, one copy on the account.
    assert successful_calls(sandbox, "freepublish/submit") == 0
    assert successful_calls(sandbox, "message/mass/sendall") == 1
    assert successful_calls(sandbox, "draft/add") == 1
    (public,) = sandbox.records("articles").values()  # every public article of the account
    assert public["via"] == "mass"
    # The preview reached the staff member (alice) only, and the broadcast everyone.
    assert successful_calls(sandbox, "message/mass/preview") == 1
    assert int(push["sent_count"]) == len(followers)
    for name in followers:
        assert len([m for m in sandbox.inbox(name) if m.get("via") == "mass"]) == 1, name

    # The URLs came from WeChat's encrypted MASSSENDJOBFINISH, through the bot's webhook.
    assert redis_client.hget(f"push:event:mass:{push['msg_id']}", "sent_count") == "3"
    assert push["article_urls"] == [n["url"] for n in public["news_item"]]

    published = api.published_articles(redis_client, seed_issue)
    assert len(published) == len(push["article_urls"]) >= 2
    for article in published:
        assert article["title"] and article["digest"] and article["cover_url"]
        assert requests.get(article["url"], timeout=5).status_code == 200

    # Every cover is a permanent image material; the lead article carries its crops.
    materials = sandbox.records("materials")
    assert {m["type"] for m in materials.values()} == {"image"}
    mass = next(iter(sandbox.records("mass").values()))
    lead = mass["articles"][0]
    assert materials[lead["thumb_media_id"]]["type"] == "image"
    assert lead["pic_crop_235_1"].count("_") == 3 and lead["pic_crop_1_1"].count("_") == 3

    with bot_app.app_context():
        status = api.status_record(redis_client, seed_issue)
    assert status["state"] == "done" and status["article_urls"] == push["article_urls"]


def test_publish_without_broadcast_freepublishes_and_takes_urls_from_freepublish_get(
    seed_issue, bot_app, bot_env, webhook, sandbox, followers, processes, redis_client
):
    processes.worker(bot_env)
    push_id = _push(bot_app, redis_client, seed_issue, publish=True)
    push = wait_until(_finished(redis_client, push_id), 60, 0.2, "the push to finish")

    assert push.state == "done", push.fields
    assert successful_calls(sandbox, "freepublish/submit") == 1
    assert successful_calls(sandbox, "freepublish/get") >= 1
    assert not sandbox.records("mass")
    for name in followers:
        assert not [m for m in sandbox.inbox(name) if m.get("via") == "mass"], name
    # The event only woke the push: it holds no URLs; freepublish/get gave them.
    assert redis_client.exists(f"push:event:publish:{push['publish_id']}")
    assert not redis_client.hget(f"push:event:publish:{push['publish_id']}", "article_urls")
    publication = sandbox.records("publishes")[push["publish_id"]]
    urls = [i["article_url"] for i in publication["article_detail"]["item"]]
    assert push["article_urls"] == urls


def test_two_workers_racing_on_one_push_send_it_once(
    seed_issue, bot_app, bot_env, sandbox, processes, redis_client
):
    processes.worker(bot_env, "a")
    processes.worker(bot_env, "b")
    push_id = _push(bot_app, redis_client, seed_issue, broadcast=True)
    with bot_app.app_context():
        for _ in range(5):  # as if redelivered and resumed over and over
            api._enqueue(push_id)
    push = wait_until(_finished(redis_client, push_id), 60, 0.2, "the push to finish")

    assert push.state == "done", push.fields
    assert successful_calls(sandbox, "draft/add") == 1
    assert len(sandbox.calls("message/mass/sendall")) == 1


def test_with_a_fifth_of_all_calls_failing_every_push_completes_once(
    seed_issue, bot_app, bot_env, webhook, sandbox, processes, redis_client
):
    sandbox.set_faults(busy=0.06, rate_limited=0.05, token_revoked=0.04, drop=0.05, seed=11)
    processes.worker(bot_env)
    first = _push(bot_app, redis_client, seed_issue, broadcast=True)
    a = wait_until(_finished(redis_client, first), 90, 0.2, "the first push")
    # The same issue to the same audience again is refused in one line, before anything is sent.
    with bot_app.app_context(), pytest.raises(state.PushError, match="already broadcast"):
        api.start_push(redis_client, seed_issue, broadcast=True, by="test")
    second = _push(bot_app, redis_client, seed_issue)  # a preview: draft and preview only
    b = wait_until(_finished(redis_client, second), 90, 0.2, "the second push")
    sandbox.clear_faults()

    assert a.state == "done", a.fields
    assert b.state == "done", b.fields
    assert sum(c["count"] for c in _fault_counts(sandbox)) > 0
    assert len(sandbox.records("publishes")) == 0
    assert len(sandbox.records("mass")) == 1
    # Each push made its draft once (a lost draft/add answer is looked up, not repeated).
    assert len(sandbox.records("drafts")) == 1 and b["draft_media_id"] in sandbox.records("drafts")


def _fault_counts(sandbox):
    counts = sandbox.counts()
    return [{"name": k, "count": v} for k, v in counts.items() if k.startswith("fault:")]


def test_a_schedule_a_few_seconds_ahead_fires_once_with_two_beats_and_two_workers(
    seed_issue, bot_app, bot_env, sandbox, processes, redis_client
):
    processes.worker(bot_env, "a")
    processes.worker(bot_env, "b")
    first_beat = processes.beat(bot_env)
    processes.beat(bot_env)  # stands by while the first holds the beat lock
    at = datetime.now(UTC) + timedelta(seconds=4)
    with bot_app.app_context():
        sched_id = api.start_push(redis_client, seed_issue, publish=True, at=at)["id"]
    time.sleep(2)
    first_beat.kill()  # a beat restart around the due time: the other takes over

    def fired_push():
        with bot_app.app_context():
            info = api.status_record(redis_client, sched_id)
        return info if info.get("state") in state.TERMINAL else None

    info = wait_until(fired_push, 60, 0.3, "the scheduled push to finish")
    assert info["state"] == "done" and info["schedule"]["state"] == "fired"
    assert redis_client.zcard("push:all") == 1
    assert successful_calls(sandbox, "freepublish/submit") == 1
    assert successful_calls(sandbox, "draft/add") == 1
