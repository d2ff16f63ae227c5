"""Attack replay: reading a webhook call's signature, nonce, timestamp or openid in a log.

The web process (gunicorn with config/gunicorn.py, as the Procfile and `mmsp-bot run` start it)
logs each request's path, status, time and a request id, which the response carries as
X-Request-Id; the sandbox logs paths only. Neither keeps a query.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.conftest import TEST_WECHAT
from tests.support.live import Process, free_port, python_module, wait_http, wait_until
from tests.webhook import wire
from tests.webhook.wire import text_xml


@pytest.fixture
def gunicorn(redis_url, redis_client, tmp_path):
    """The web process as deployed (default message mode: safe), its access log in a file."""
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {
        **TEST_WECHAT,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key",
        "WEB_HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "WEB_ACCESS_LOG": str(access_log),
    }
    args = python_module("gunicorn", "--config", "config/gunicorn.py", "bot:create_app()")
    proc = Process(args, env, "security-gunicorn")
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=30)
        yield f"http://127.0.0.1:{port}", access_log, proc
    finally:
        proc.stop()


def _secrets_of(path: str) -> list[str]:
    query = dict(part.split("=", 1) for part in path.split("?", 1)[1].split("&"))
    return [query[k] for k in ("signature", "timestamp", "nonce", "openid", "msg_signature")]


def test_the_access_log_holds_path_status_and_request_id_never_the_query(gunicorn):
    base, access_log, proc = gunicorn
    path, body = wire.safe_request(text_xml("help"))
    answered = requests.post(base + path, data=body, timeout=10)
    assert answered.status_code == 200
    forged = requests.post(
        base + wire.plain_request(text_xml("help"))[0], data=b"<xml/>", timeout=10
    )
    assert forged.status_code == 403
    check = wire.signed_query(echostr="hello")
    url_check = requests.get(f"{base}/wechat", params=check, timeout=10)
    assert url_check.text == "hello"

    wait_until(lambda: access_log.read_text().count("/wechat") >= 3, 10, 0.05, "access lines")
    log = access_log.read_text()
    for value in _secrets_of(path) + [check["signature"], check["nonce"], check["timestamp"]]:
        assert value not in log
    assert "?" not in log and wire.FOLLOWER not in log
    rid = answered.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", rid)
    assert re.search(r'"POST /wechat" 200 \d+ \d+ms id=' + rid, log)
    assert '"POST /wechat" 403 ' in log and f"id={forged.headers['X-Request-Id']}" in log
    # The app's own line about the refusal names the same request id, and no signature either
    # (the app's lines name followers by openid on purpose: that alone forges nothing).
    wait_until(lambda: forged.headers["X-Request-Id"] in proc.log(), 10, 0.05, "the refusal")
    signature, timestamp, _, _, msg_signature = _secrets_of(path)
    assert not [v for v in (signature, timestamp, msg_signature) if v in proc.log()]


def test_the_sandbox_logs_paths_never_openids_secrets_or_tokens(sandbox):
    start = len(sandbox.log())
    openid = sandbox.add_follower("lin")
    token = requests.get(
        f"{sandbox.api_base}token",
        params={
            "grant_type": "client_credential",
            "appid": TEST_WECHAT["WECHAT_APPID"],
            "secret": TEST_WECHAT["WECHAT_SECRET"],
        },
        timeout=10,
    ).json()["access_token"]
    info = requests.get(
        f"{sandbox.api_base}user/info", params={"access_token": token, "openid": openid}, timeout=10
    )
    assert info.json()["openid"] == openid
    wait_until(lambda: "/cgi-bin/user/info" in sandbox.log()[start:], 10, 0.05, "the log line")
    log = sandbox.log()[start:]
    assert '"GET /cgi-bin/user/info" 200' in log
    for secret in (openid, token, TEST_WECHAT["WECHAT_SECRET"]):
        assert secret not in log
