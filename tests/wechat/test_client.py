"""The WeChat client against the sandbox: shared token, one fetch, errcodes with hints."""

from __future__ import annotations

import dataclasses
import multiprocessing
import threading
import time

import pytest
import requests

from bot.redisdb import connect
from bot.wechat import WeChatAPIError, build_client, with_retries


def _worker(settings, redis_url, barrier, rounds, errors):
    """One worker process: its own client and Redis connection, one call per round."""
    client = build_client(settings, connect(redis_url), timeout=(10, 30))
    for _ in range(rounds):
        barrier.wait(120)
        try:
            # A loaded test machine may time a call out: that is retried like any network error.
            with_retries(client.draft.count, attempts=4, base=0.2)
        except Exception as exc:  # reported to the test through the queue
            errors.put(repr(exc))
        barrier.wait(120)


def test_eight_worker_processes_over_three_simulated_hours_fetch_one_token_per_lifetime(
    sandbox, wx_settings, redis_url
):
    ctx = multiprocessing.get_context("spawn")  # fork would copy the test run's threads
    rounds, barrier, errors = 18, ctx.Barrier(9), ctx.Queue()
    workers = [
        ctx.Process(target=_worker, args=(wx_settings, redis_url, barrier, rounds, errors))
        for _ in range(8)
    ]
    for w in workers:
        w.start()
    try:
        for _ in range(rounds):  # 18 rounds 10 simulated minutes apart: three hours
            barrier.wait(120)  # all 8 call at once
            barrier.wait(120)  # all 8 done
            sandbox.advance_clock(600)
    finally:
        for w in workers:
            w.join(10)
            if w.is_alive():
                w.terminate()
    assert errors.empty(), errors.get()
    # A token lives 7200 s: the first one, then one when it ran out (at 2 h).
    assert sandbox.token_fetches() == {"token": 0, "stable_token": 2, "stable_token_force": 0}


def test_the_token_is_renewed_ahead_of_expiry_once_for_all_threads(
    sandbox, make_client, redis_client
):
    clients = [make_client() for _ in range(8)]
    first = clients[0].access_token
    # Five minutes before the end of its life (both clocks): every thread finds it due.
    sandbox.advance_clock(7200 - 200)
    redis_client.hset("wx:token:" + clients[0].appid, "refresh_at", time.time() - 1)
    threads = [threading.Thread(target=c.draft.count) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {c.access_token for c in clients} != {first}
    assert len({c.access_token for c in clients}) == 1
    assert sandbox.token_fetches()["stable_token"] == 2
    assert all(c["errcode"] == 0 for c in sandbox.calls("draft/count"))


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
