"""The bot on Redis Sentinel (a master, two replicas, three sentinels) while followers write.

A manual fail-over and a killed master, each while followers talk to the webhook through the
sandbox (5-second timeout, three calls in all): what a follower was told is done is on the new
master, and every message gets its answer once WeChat's retries are counted.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import redis_ha
from tests.support.live import Process, free_port, python_module, wait_http, wait_until

TOPICS = ("trafficking", "mobility", "visas", "labour", "students", "research")


@pytest.fixture
def ha(tmp_path):
    yield from redis_ha.running(tmp_path)


def _web(redis_url: str, settings_env: dict, sandbox) -> Process:
    """gunicorn serving the bot on `redis_url`; the sandbox delivers to it."""
    port = free_port()
    env = {
        **settings_env,
        "REDIS_URL": redis_url,
        "WECHAT_API_BASE": sandbox.api_base,
        "WEB_HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "16",
        "WEB_ACCESS_LOG": "/dev/null",
    }
    args = python_module("gunicorn", "--config", "config/gunicorn.py", "bot:create_app()")
    proc = Process(args, env, "ha-web")
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=30)
    except AssertionError:
        proc.stop()
        raise
    sandbox.configure(webhook_url=f"http://127.0.0.1:{port}/wechat")
    return proc


@pytest.fixture
def web_on_ha(ha, settings_env, sandbox):
    proc = _web(ha.url, settings_env, sandbox)
    yield proc
    proc.stop()


def _answered(result: dict) -> bool:
    return result["delivery"]["status"] == "reply"


def test_a_manual_failover_while_40_followers_follow_loses_none_who_got_a_welcome(
    ha, web_on_ha, sandbox
):
    old_master = ha.master()
    names = [f"fan{i:02d}" for i in range(40)]
    results: dict[str, dict] = {}
    started = time.monotonic()

    def follow(i: int, name: str) -> None:
        time.sleep(max(started + i * 0.1 - time.monotonic(), 0))  # 40 follows over 4 s
        results[name] = sandbox.follow(name, language="en")

    with ThreadPoolExecutor(40) as pool:
        futures = [pool.submit(follow, i, name) for i, name in enumerate(names)]
        time.sleep(1.0)
        ha.failover()
        for future in futures:
            future.result()
    took = time.monotonic() - started

    assert ha.master() is not old_master, "Sentinel switched to a replica"
    welcomed = [name for name in names if _answered(results[name])]
    attempts = sorted(results[name]["delivery"]["attempts"] for name in names)
    print(f"{len(welcomed)} of 40 welcomed in {took:.1f} s; calls per follow: {attempts}")
    ha.wait_settled()  # the old master is a replica again: nothing else can win later
    store = ha.master().client(ha.db)
    lost = [
        name
        for name in welcomed
        if store.hget(f"follower:{results[name]['openid']}", "status") != "active"
    ]
    assert lost == []
    unanswered = {n: results[n]["delivery"] for n in names if n not in welcomed}
    assert len(welcomed) == 40, unanswered  # every follow answered within three calls


def test_killing_the_master_while_followers_write_leaves_no_message_unanswered(
    ha, web_on_ha, sandbox
):
    names = [f"kil{i:02d}" for i in range(12)]
    for name in names:
        assert _answered(sandbox.follow(name, language="en"))
    old_master = ha.master()
    said: list[tuple[str, str, dict]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + 9

    def talk(name: str) -> None:
        n = 0
        while time.monotonic() < stop_at:
            topic = TOPICS[n % len(TOPICS)]
            sent = time.monotonic()
            result = sandbox.say(name, f"follow {topic}")
            result["took"] = time.monotonic() - sent
            with lock:
                said.append((name, topic, result))
            n += 1

    with ThreadPoolExecutor(len(names)) as pool:
        futures = [pool.submit(talk, name) for name in names]
        time.sleep(2.0)
        old_master.kill()
        killed = time.monotonic()
        for future in futures:
            future.result()

    unanswered = [(name, r["delivery"]) for name, _, r in said if not _answered(r)]
    slowest = max(r["took"] for *_, r in said)
    retried = sum(1 for *_, r in said if r["delivery"]["attempts"] > 1)
    print(
        f"{len(said)} messages, {len(unanswered)} unanswered, {retried} needed WeChat's retry; "
        f"master killed at {killed - (stop_at - 9):.1f} s; slowest answer {slowest:.1f} s"
    )
    assert unanswered == []
    assert ha.master() is not old_master
    store = ha.master().client(ha.db)
    for name, topic, result in said:
        assert store.sismember(f"follower:{result['openid']}:topics", topic), (name, topic)


def test_a_message_sent_while_redis_is_away_for_7_s_is_answered_on_wechats_second_call(
    tmp_path, settings_env, sandbox
):
    node = redis_ha.RedisNode(tmp_path, "solo", min_replicas=0).start()
    web = back = None
    try:
        wait_until(lambda: node.role() == "master", 20, 0.1, "the Redis to answer")
        web = _web(f"redis://127.0.0.1:{node.port}/0", settings_env, sandbox)
        assert _answered(sandbox.follow("sol", language="en"))
        time.sleep(1.5)  # the follow is in the append-only file (fsync every second)
        node.kill()
        back = threading.Timer(7.0, node.start)
        back.start()
        said = sandbox.say("sol", "follow visas")
        assert _answered(said), said["delivery"]
        assert said["delivery"]["attempts"] == 2  # the first call timed out, the second answered
        replies = [m for m in sandbox.inbox("sol") if m["sender"] == "account"]
        assert sum(1 for m in replies if "visas" in m.get("content", "")) == 1
        assert node.client().sismember(f"follower:{said['openid']}:topics", "visas")
    finally:
        if back is not None:
            back.cancel()
            back.join()
        if web is not None:
            web.stop()
        node.stop()
