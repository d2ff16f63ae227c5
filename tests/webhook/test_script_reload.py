"""The claim's script call on a Redis that changed under it: one that forgot the script
(restarted, or SCRIPT FLUSH) gets it again, once; a master that no longer takes writes is left
for a new connection (behind Sentinel: to the master it names now)."""

from __future__ import annotations

import os
import shutil

import pytest
import redis

from bot import create_app
from bot.webhook.batch_script import ScriptBatch
from tests.support.live import Process, free_port, wait_until
from tests.webhook import wire
from tests.webhook.conftest import counting_router, runs
from tests.webhook.wire import read_reply, text_xml

# The server under test: the system's, or `make run`'s kind with --redis-server=embedded.
REDIS_SERVER = os.environ.get("TEST_REDIS_SERVER") or shutil.which("redis-server")


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own (its scripts may be flushed without touching others)."""
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not on PATH: install Redis to run this test")
    port = free_port()
    args = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = Process(args + ["--dir", str(tmp_path)], {}, f"webhook-redis-{port}")
    client = redis.Redis(port=port, decode_responses=True)
    try:
        wait_until(lambda: _answers(client), 15, 0.05, "the test's redis-server")
        yield f"redis://127.0.0.1:{port}/0", client
    finally:
        client.close()
        process.stop()


def _answers(client) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


def post(client, xml: str):
    path, body = wire.plain_request(xml)
    response = client.post(path, data=body, content_type="text/xml")
    assert response.status_code == 200
    return read_reply(response.data)


@pytest.mark.parametrize("table", ["claim alone", "claim with prefetched reads"])
def test_a_forgotten_claim_script_is_loaded_again(settings_env, own_redis, table):
    url, own = own_redis
    overrides = {**settings_env, "REDIS_URL": url, "TESTING": True}
    if table == "claim alone":
        overrides["WEBHOOK_ROUTER"] = counting_router()
    app = create_app(overrides)
    client = app.test_client()
    word = "echo" if table == "claim alone" else "help"
    first = text_xml(word, msg_id=wire.next_msg_id())
    answer = post(client, first)["Content"]
    app.extensions["webhook"].dedup.flush()

    own.script_flush()
    assert post(client, text_xml(word, msg_id=wire.next_msg_id()))["Content"]
    # The retry of the first push still gets its cached answer, and its handler ran once.
    assert post(client, first)["Content"] == answer
    if table == "claim alone":
        key = "m:" + first.split("<MsgId><![CDATA[")[1].split("]]>")[0]
        assert runs(own, key) == 1
    app.extensions["webhook"].dedup.flush()


def test_a_master_refusing_writes_inside_the_script_is_left_for_a_new_connection(own_redis):
    url, own = own_redis
    client = redis.Redis.from_url(url, decode_responses=True, client_name="bot-under-test")
    batch = ScriptBatch()
    batch.get("greeting")
    batch.set("greeting", "hello")
    # A master being replaced by a fail-over has lost its replicas: it refuses writes.
    own.config_set("min-replicas-to-write", 1)
    with pytest.raises(redis.ConnectionError, match="NOREPLICAS"):
        batch.run(client)
    # Its connection is closed, so the next call connects again (Sentinel names the master).
    assert [c for c in own.client_list() if c["name"] == "bot-under-test"] == []
    own.config_set("min-replicas-to-write", 0)
    assert batch.run(client) == [None, "OK"]
    client.close()
