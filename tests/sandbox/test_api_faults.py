"""Fault injection and rate limits: what reliability tests get from the sandbox, set per run."""

from __future__ import annotations

import time

import pytest
import requests
from wechatpy.exceptions import APILimitedException, WeChatClientException

from tests.support.sandbox import errcode_of


@pytest.fixture
def client(sandbox):
    return sandbox.wechat_client(timeout=5)


def test_busy_and_rate_limited_answers_on_chosen_paths(sandbox, client):
    sandbox.set_faults(busy=1.0, paths=["draft/count"])
    assert errcode_of(client.draft.count) == -1
    assert client.material.get_count()["image_count"] == 0  # other paths are untouched
    sandbox.set_faults(rate_limited=1.0, paths=["draft/count"])
    with pytest.raises(APILimitedException):
        client.draft.count()
    faults = [c.get("fault") for c in sandbox.calls("draft/count")]
    assert faults == ["busy", "rate_limited"]
    sandbox.clear_faults()
    assert client.draft.count()["total_count"] == 0


def test_revoked_token_is_40001_and_wechatpy_fetches_a_new_one(sandbox):
    strict = sandbox.wechat_client(auto_retry=False)
    strict.draft.count()
    sandbox.set_faults(token_revoked=1.0, paths=["draft/count"])
    assert errcode_of(strict.draft.count) == 40001
    # One revoked answer in two (seeded): wechatpy re-fetches the token and retries once.
    sandbox.set_faults(token_revoked=0.5, paths=["draft/count"], seed=3)
    retrying = sandbox.wechat_client()
    for _ in range(4):
        assert retrying.draft.count()["total_count"] == 0
    assert sandbox.token_fetches()["token"] > 2


def test_slow_answer_times_out_the_client_but_still_takes_effect(sandbox):
    impatient = sandbox.wechat_client(timeout=0.5)
    impatient.tag.get()  # fetch the token before the fault
    sandbox.set_faults(slow=1.0, slow_seconds=1.5, paths=["tags/create"])
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        impatient.tag.create("Late")
    assert time.monotonic() - started < 1.4
    sandbox.clear_faults()
    time.sleep(1.3)
    assert "Late" in [t["name"] for t in impatient.tag.get()]


def test_dropped_connection(sandbox, client):
    client.draft.count()
    sandbox.set_faults(drop=1.0, paths=["draft/count"])
    with pytest.raises(requests.ConnectionError):
        client.draft.count()
    sandbox.clear_faults()
    assert client.draft.count()["total_count"] == 0


def test_a_seed_repeats_the_same_faults(sandbox, client):
    client.draft.count()

    def outcomes() -> list[int]:
        sandbox.set_faults(busy=0.5, paths=["draft/count"], seed=11)
        codes = []
        for _ in range(12):
            try:
                codes.append(client.draft.count().get("errcode", 0))
            except WeChatClientException as exc:
                codes.append(exc.errcode)
        return codes

    first = outcomes()
    assert set(first) == {0, -1}
    assert outcomes() == first


def test_rate_limit_per_api_and_window(sandbox, client):
    sandbox.set_faults(rate_limits={"draft/count": {"limit": 2, "per": 60}})
    client.draft.count()
    client.draft.count()
    assert errcode_of(client.draft.count) == 45011
    sandbox.advance_clock(60)
    assert client.draft.count()["total_count"] == 0
    sandbox.set_faults(rate_limits={"draft/count": {"limit": 0, "per": 86400}})
    with pytest.raises(APILimitedException):
        client.draft.count()


def test_bad_fault_settings_are_refused_with_a_reason(sandbox):
    answer = requests.post(f"{sandbox.url}/sandbox/control/faults", json={"busy": 2}, timeout=5)
    assert answer.status_code == 400 and "busy" in answer.json()["error"]
    answer = requests.post(f"{sandbox.url}/sandbox/control/faults", json={"fire": 1}, timeout=5)
    assert answer.status_code == 400 and "fire" in answer.json()["error"]
