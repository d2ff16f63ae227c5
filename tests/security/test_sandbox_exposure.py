"""Attack replays against the sandbox: DNS rebinding, cross-origin posts, an absurd clock.

A page the operator visits could rebind its own host name to 127.0.0.1 and read the sandbox's
control endpoints (the AppSecret, the keys) or post to them; and the clock took 1e308 and NaN,
after which the platform page answered 500.
"""

from __future__ import annotations

import pytest
import requests

from tests.conftest import TEST_WECHAT

REBOUND = "attacker.example:8090"


@pytest.mark.parametrize(
    "path", ["/sandbox/control/account", "/sandbox/control/state", "/sandbox/platform", "/sandbox/"]
)
def test_a_rebound_host_name_reads_nothing(sandbox, path):
    response = requests.get(sandbox.url + path, headers={"Host": REBOUND}, timeout=10)
    assert response.status_code == 403
    assert TEST_WECHAT["WECHAT_SECRET"] not in response.text
    assert TEST_WECHAT["WECHAT_AES_KEY"] not in response.text
    # The same request with a loopback name is served, so the refusal is about the Host.
    for host in ("127.0.0.1", "localhost", "[::1]"):
        port = sandbox.url.rsplit(":", 1)[1]
        ok = requests.get(sandbox.url + path, headers={"Host": f"{host}:{port}"}, timeout=10)
        assert ok.status_code == 200, (host, ok.text[:200])


def test_a_rebound_host_cannot_steer_the_followers(sandbox):
    response = requests.post(
        f"{sandbox.url}/sandbox/followers/eve/follow",
        json={},
        headers={"Host": REBOUND},
        timeout=10,
    )
    assert response.status_code == 403
    assert sandbox.state()["followers"] == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://attacker.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_a_cross_origin_post_is_refused_and_changes_nothing(sandbox, headers):
    before = sandbox.state()["config"]
    response = requests.post(
        f"{sandbox.url}/sandbox/control/config",
        json={"webhook_url": "http://attacker.example/wechat"},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 403
    assert sandbox.state()["config"] == before
    reset = requests.post(f"{sandbox.url}/sandbox/control/reset", headers=headers, timeout=10)
    assert reset.status_code == 403


def test_a_same_origin_post_from_the_sandboxs_own_pages_works(sandbox):
    response = requests.post(
        f"{sandbox.url}/sandbox/followers/amy/follow",
        json={"language": "en"},
        headers={"Origin": sandbox.url, "Sec-Fetch-Site": "same-origin"},
        timeout=30,
    )
    assert response.status_code == 200


def test_wechats_api_and_article_pages_stay_open_to_any_host(sandbox):
    """The bot reaches /cgi-bin/ by whatever name it is configured with, as it reaches WeChat."""
    response = requests.get(
        f"{sandbox.url}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": "wx0", "secret": "x"},
        headers={"Host": "api.weixin.qq.com"},
        timeout=10,
    )
    assert response.status_code == 200 and "errcode" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        '{"advance": NaN}',
        '{"advance": Infinity}',
        '{"advance": 1e308}',
        '{"advance": -1}',
        '{"advance": true}',
        '{"advance": "60"}',
        '{"advance": 315360001}',
    ],
)
def test_the_clock_takes_only_finite_bounded_seconds(sandbox, body):
    before = sandbox.now()
    response = requests.post(
        f"{sandbox.url}/sandbox/control/clock",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert "advance must be a number of seconds" in response.json()["error"]
    assert sandbox.now() - before < 60
    assert requests.get(f"{sandbox.url}/sandbox/platform", timeout=10).status_code == 200


def test_the_clock_cannot_be_pushed_past_its_bound_in_steps(sandbox):
    step = 5 * 365 * 86400
    sandbox.advance_clock(step)
    sandbox.advance_clock(step - 3600)
    response = requests.post(
        f"{sandbox.url}/sandbox/control/clock", json={"advance": 7200}, timeout=10
    )
    assert response.status_code == 400 and "at most" in response.json()["error"]
    assert requests.get(f"{sandbox.url}/sandbox/platform", timeout=10).status_code == 200
