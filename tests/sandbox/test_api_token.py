"""Access tokens: wechatpy fetches one from the sandbox; expiry, overlap and stable_token rules."""

from __future__ import annotations

import requests


def _token(sandbox) -> dict:
    account = sandbox.account()
    params = {
        "grant_type": "client_credential",
        "appid": account["appid"],
        "secret": account["secret"],
    }
    return requests.get(f"{sandbox.api_base}token", params=params, timeout=5).json()


def _stable(sandbox, force: bool | None = None, secret: str | None = None) -> dict:
    account = sandbox.account()
    payload = {
        "grant_type": "client_credential",
        "appid": account["appid"],
        "secret": secret or account["secret"],
    }
    if force is not None:
        payload["force_refresh"] = force
    return requests.post(f"{sandbox.api_base}stable_token", json=payload, timeout=5).json()


def _menu_get(sandbox, token: str) -> dict:
    url = f"{sandbox.api_base}menu/get"
    return requests.get(url, params={"access_token": token}, timeout=5).json()


def test_wechatpy_client_fetches_a_token_and_calls_the_api(sandbox):
    client = sandbox.wechat_client()
    assert client.draft.count()["total_count"] == 0
    assert sandbox.token_fetches()["token"] == 1
    assert [c["path"] for c in sandbox.calls()] == ["token", "draft/count"]


def test_token_lasts_7200_seconds_then_gives_42001(sandbox):
    answer = _token(sandbox)
    assert answer["expires_in"] == 7200 and len(answer["access_token"]) >= 100
    assert _menu_get(sandbox, answer["access_token"])["errcode"] != 42001
    sandbox.advance_clock(7201)
    assert _menu_get(sandbox, answer["access_token"])["errcode"] == 42001


def test_a_new_token_retires_the_previous_one_after_five_minutes(sandbox):
    first = _token(sandbox)["access_token"]
    second = _token(sandbox)["access_token"]
    assert first != second
    assert _menu_get(sandbox, first)["errcode"] == 46003  # still valid: no menu yet
    sandbox.advance_clock(301)
    assert _menu_get(sandbox, first)["errcode"] == 40001
    assert _menu_get(sandbox, second)["errcode"] == 46003


def test_missing_and_unknown_tokens_are_refused(sandbox):
    assert _menu_get(sandbox, "")["errcode"] == 41001
    assert _menu_get(sandbox, "not-a-token")["errcode"] == 40014


def test_wrong_secret_is_refused(sandbox):
    assert _stable(sandbox, secret="0" * 32)["errcode"] == 40125


def test_stable_token_stays_the_same_until_forced(sandbox):
    first = _stable(sandbox)
    again = _stable(sandbox, force=False)
    assert again["access_token"] == first["access_token"]
    assert _token(sandbox)["access_token"] != first["access_token"]  # the two are isolated
    assert _menu_get(sandbox, first["access_token"])["errcode"] == 46003
    forced = _stable(sandbox, force=True)
    assert forced["access_token"] != first["access_token"]
    assert _menu_get(sandbox, first["access_token"])["errcode"] == 40001
    # A second force within 30 seconds keeps the current token.
    assert _stable(sandbox, force=True)["access_token"] == forced["access_token"]
    assert sandbox.token_fetches() == {"token": 1, "stable_token": 4, "stable_token_force": 1}


def test_stable_token_renews_in_its_last_five_minutes(sandbox):
    first = _stable(sandbox)["access_token"]
    sandbox.advance_clock(7200 - 200)
    renewed = _stable(sandbox)
    assert renewed["access_token"] != first and renewed["expires_in"] == 7200
    assert _menu_get(sandbox, first)["errcode"] == 46003  # valid until its own expiry
    sandbox.advance_clock(201)
    assert _menu_get(sandbox, first)["errcode"] == 40001


def test_wechatpy_refetches_after_the_clock_passes_expiry(sandbox):
    client = sandbox.wechat_client()
    client.draft.count()
    sandbox.advance_clock(7300)
    assert client.draft.count()["total_count"] == 0
    assert sandbox.token_fetches()["token"] == 2
    assert [c["errcode"] for c in sandbox.calls("draft/count")] == [0, 42001, 0]


def test_the_request_log_holds_paths_never_secrets_or_tokens(sandbox):
    start = len(sandbox.log())
    token = _token(sandbox)["access_token"]
    _menu_get(sandbox, token)
    log = sandbox.log()[start:]
    assert '"GET /cgi-bin/token" 200' in log and "?" not in log
    assert sandbox.account()["secret"] not in log and token not in log


def test_unknown_api_and_malformed_json_answer_like_wechat(sandbox):
    token = _token(sandbox)["access_token"]
    unknown = requests.get(f"{sandbox.api_base}no/such/api", params={"access_token": token})
    assert unknown.json()["errcode"] == 40066
    url = f"{sandbox.api_base}draft/add"
    broken = requests.post(url, params={"access_token": token}, data=b"{not json", timeout=5)
    assert broken.status_code == 200 and broken.json()["errcode"] == 47001
    assert "Traceback" not in broken.text


def test_token_fetches_are_capped_at_2000_a_day(sandbox, redis_client):
    day = int((sandbox.now() + 8 * 3600) // 86400)  # Beijing days
    redis_client.set(f"sandbox:token_fetches:day:{day}", 1999)  # as if fetched all day long
    assert "access_token" in _token(sandbox)
    assert _token(sandbox)["errcode"] == 45009
    sandbox.advance_clock(86400)
    assert "access_token" in _token(sandbox)


def test_forced_refreshes_are_capped_at_20_a_beijing_day(sandbox, redis_client):
    now = sandbox.now()
    day = int((now + 8 * 3600) // 86400)
    redis_client.set(f"sandbox:stable_force:day:{day}", 20)  # as if forced all (Beijing) day
    assert _stable(sandbox, force=True)["errcode"] == 45009
    # Beijing's next day starts at 16:00 UTC.
    sandbox.advance_clock((day + 1) * 86400 - 8 * 3600 - now + 1)
    assert "access_token" in _stable(sandbox, force=True)
