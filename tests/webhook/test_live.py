"""The webhook under gunicorn on loopback: duplicates racing across workers, streamed bodies."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import requests

from tests.support.live import Process, free_port, python_module, wait_http
from tests.webhook import wire
from tests.webhook.conftest import runs
from tests.webhook.wire import open_reply, text_xml


@pytest.fixture(scope="module")
def gunicorn(redis_url):
    """Two gunicorn workers of one thread each: a busy worker leaves the next call to the other."""
    from tests.conftest import TEST_WECHAT

    port = free_port()
    env = {
        **TEST_WECHAT,
        "WECHAT_MESSAGE_MODE": "compatible",
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key",
        "WEB_HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "1",
        "WEB_ACCESS_LOG": "/dev/null",
    }
    # Sync workers accept a connection only when idle, so while one worker runs a handler
    # every other call is served by the other worker: the race across processes is certain.
    args = python_module(
        "gunicorn",
        "--config",
        "config/gunicorn.py",
        "--worker-class",
        "sync",
        "tests.webhook.live_app:create()",
    )
    proc = Process(args, env, "webhook-gunicorn")
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.stop()


def send(base: str, request: tuple[str, bytes]) -> requests.Response:
    path, body = request
    return requests.post(base + path, data=body, timeout=10)


def test_simultaneous_duplicates_on_two_workers_run_the_handler_once(gunicorn, redis_client):
    msg_id = wire.next_msg_id()
    request = wire.safe_request(text_xml("sleep 1", msg_id=msg_id))
    started = time.monotonic()
    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda _: send(gunicorn, request), range(6)))
    assert time.monotonic() - started < 8  # nobody waited out a deadline per call
    assert [r.status_code for r in responses] == [200] * 6
    assert len({r.content for r in responses}) == 1
    assert open_reply(responses[0].content)["Content"] == f"slept {msg_id}"
    assert runs(redis_client, f"m:{msg_id}") == 1


def test_a_retry_during_a_slow_first_call_gets_success_and_never_reruns(gunicorn, redis_client):
    msg_id = wire.next_msg_id()
    request = wire.plain_request(text_xml("sleep 4", msg_id=msg_id))
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(send, gunicorn, request)
        time.sleep(0.3)
        retry_started = time.monotonic()
        retry = pool.submit(send, gunicorn, request).result()
        waited = time.monotonic() - retry_started
        assert retry.content == b"success" and 2.5 < waited < 6
        assert wire.read_reply(first.result().content)["Content"] == f"slept {msg_id}"
    later = send(gunicorn, request)
    assert later.content == first.result().content
    assert runs(redis_client, f"m:{msg_id}") == 1


def _raw_post(base: str, headers: str, body_parts, read_timeout: float = 5.0) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    path = "/wechat?" + urlencode(wire.signed_query())
    sock = socket.create_connection((host, int(port)), timeout=read_timeout)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{headers}\r\n".encode())

    def feed():
        try:
            for part in body_parts:
                sock.sendall(part)
        except OSError:
            pass  # the server answered and closed: what we want

    threading.Thread(target=feed, daemon=True).start()
    try:
        return sock.recv(4096)
    finally:
        sock.close()


def test_declared_length_over_the_limit_is_413_before_the_body_is_sent(gunicorn):
    # The body never comes: a server that tried to read it would wait, not answer.
    headers = "Content-Type: text/xml\r\nContent-Length: 5000000\r\n"
    answer = _raw_post(gunicorn, headers, [b"<xml>"])
    assert answer.startswith(b"HTTP/1.1 413")


def test_streamed_body_over_the_limit_is_413_without_reading_it_all(gunicorn):
    chunk = b"z" * 65536
    # 64 MiB offered, never terminated: the answer must come after about 1 MiB.
    parts = [b"5\r\n<xml>\r\n"] + [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 1024
    answer = _raw_post(gunicorn, "Content-Type: text/xml\r\nTransfer-Encoding: chunked\r\n", parts)
    assert answer.startswith(b"HTTP/1.1 413")
