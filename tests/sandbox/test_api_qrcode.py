"""qrcode/create through wechatpy: temporary and permanent codes, WeChat's limits, scanning one."""

from __future__ import annotations

import pytest

from tests.support.sandbox import errcode_of


@pytest.fixture
def client(sandbox):
    return sandbox.wechat_client()


def _code(client, scene: str, **extra):
    return client.qrcode.create(
        {"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}, **extra}
    )


def test_a_temporary_code_lives_at_most_thirty_days(client):
    code = _code(client, "event:9:2", expire_seconds=90 * 86400)
    assert code["ticket"] and code["url"].startswith("http://weixin.qq.com/q/")
    assert code["expire_seconds"] == 2592000
    assert _code(client, "event:9:2")["expire_seconds"] == 60  # WeChat's default


def test_a_permanent_code_has_no_expiry(client):
    code = client.qrcode.create(
        {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "event:9:1"}}}
    )
    assert "expire_seconds" not in code and code["url"]


def test_scenes_outside_wechats_limits_are_refused(client):
    assert errcode_of(lambda: _code(client, "x" * 65)) == 40053
    assert errcode_of(lambda: _code(client, "")) == 40053
    numeric = {"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 100001}}}
    assert errcode_of(lambda: client.qrcode.create(numeric)) == 40053
    assert errcode_of(lambda: client.qrcode.create({"action_name": "QR_CARD"})) == 40097


def test_scanning_a_code_by_its_url_sends_its_scene_and_ticket(sandbox, client):
    code = _code(client, "event:9:2", expire_seconds=3600)
    with sandbox.standin_webhook() as webhook:
        sandbox.followers_api("POST", "followers/mei/scan", json={"scene": code["url"]})
        first = webhook.calls[-1].fields
        sandbox.followers_api("POST", "followers/mei/scan", json={"scene": code["ticket"]})
        again = webhook.calls[-1].fields
    assert (first["Event"], first["EventKey"]) == ("subscribe", "qrscene_event:9:2")
    assert first["Ticket"] == code["ticket"]
    assert (again["Event"], again["EventKey"], again["Ticket"]) == (
        "SCAN",
        "event:9:2",
        code["ticket"],
    )


def test_an_expired_code_cannot_be_scanned(sandbox, client):
    code = _code(client, "event:9:2", expire_seconds=600)
    sandbox.advance_clock(601)
    with pytest.raises(AssertionError, match="expired"):
        sandbox.followers_api("POST", "followers/mei/scan", json={"scene": code["url"]})
