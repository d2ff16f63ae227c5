"""The WeChat client against the sandbox: shared token, one fetch, errcodes with hints."""

from __future__ import annotations

import dataclasses
import threading

import pytest
import requests

from bot.redisdb import connect
from bot.wechat import WeChatAPIError, build_client, with_retries


def test_eight_workers_over_three_simulated_hours_fetch_one_token_per_lifetime(
    sandbox, make_client
):
    clients = [make_client() for _ in range(8)]
    errors: list[Exception] = []

    def work(client):
        try:
            client.draft.count()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    for _ in range(18):  # 18 rounds 10 simulated minutes apart: three hours
        threads = [threading.Thread(target=work, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sandbox.advance_clock(600)

    assert errors == []
    # A token lives 7200 s: the first one, then one when it ran out (at 2 h).
    assert sandbox.token_fetches() == {"token": 0, "stable_token": 2, "stable_token_force": 0}


def test_a_token_renewed_elsewhere_is_replaced_once_and_the_call_repeated(sandbox, make_client):
    client = make_client()
    client.draft.count()
    # Someone else forces a new token (the MP console's reset, another tool): ours is now invalid.
    account = sandbox.account()
    forced = requests.post(
        f"{sandbox.api_base}stable_token",
        json={
            "grant_type": "client_credential",
            "appid": account["appid"],
            "secret": account["secret"],
            "force_refresh": True,
        },
        timeout=5,
    ).json()
    assert "access_token" in forced

    assert client.draft.count()["total_count"] == 0
    assert client.access_token == forced["access_token"]
    # Ours, the other's forced one, and one renewal; we forced nothing.
    fetches = sandbox.token_fetches()
    assert fetches["stable_token"] == 3 and fetches["stable_token_force"] == 1


def test_another_process_reads_the_token_from_redis_instead_of_fetching(sandbox, make_client):
    make_client().draft.count()
    make_client().draft.count()
    assert sandbox.token_fetches()["stable_token"] == 1


def test_a_refused_call_names_its_errcode_and_what_to_do(sandbox, make_client):
    with pytest.raises(WeChatAPIError) as caught:
        make_client().mass.sendall("no-such-draft", clientmsgid="t-1")
    err = caught.value
    assert err.errcode == 40007 and not err.retryable
    assert "upload it again" in err.hint
    assert "message/mass/sendall" in str(err)


def test_a_slow_answer_times_out_as_a_retryable_error_without_the_token(sandbox, make_client):
    client = make_client(timeout=(2, 1))
    client.draft.count()  # the token is fetched before the fault is on
    sandbox.set_faults(slow=1.0, slow_seconds=3, paths=["draft/count"])
    with pytest.raises(WeChatAPIError) as caught:
        client.draft.count()
    err = caught.value
    assert err.errcode is None and err.retryable
    assert client.access_token not in str(err)


def test_busy_answers_are_retried_until_one_succeeds(sandbox, make_client):
    client = make_client()
    client.draft.count()
    sandbox.set_faults(busy=0.5, paths=["draft/count"], seed=7)
    results = [with_retries(client.draft.count, attempts=10, base=0.01) for _ in range(5)]
    assert all(r["total_count"] == 0 for r in results)
    assert any(c["errcode"] == -1 for c in sandbox.calls("draft/count"))


def test_a_wrong_secret_fails_at_once_with_the_setting_to_fix(sandbox, wx_settings, redis_url):
    settings = dataclasses.replace(wx_settings, WECHAT_SECRET="f" * 32)
    client = build_client(settings, connect(redis_url))
    with pytest.raises(WeChatAPIError) as caught:
        client.draft.count()
    assert caught.value.errcode == 40125 and not caught.value.retryable
    assert "WECHAT_SECRET" in caught.value.hint
    assert settings.WECHAT_SECRET not in str(caught.value)
