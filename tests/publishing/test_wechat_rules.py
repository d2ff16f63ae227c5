"""The push against WeChat's rules, each enforced by the sandbox by default: repeat broadcasts,
mass-send protection and failure outcomes, events as hints, media WeChat forgot, draft clean-up."""

from __future__ import annotations

import re
import time

import pytest

from bot.publishing import api, cleanup, sends, state
from tests.publishing.conftest import successful_calls, wait_push
from tests.support.live import serve_wsgi, wait_until


def _tagged(sandbox, followers) -> int:
    """A tag holding alice and bob (a service account's tag sends are not limited per day)."""
    client = sandbox.wechat_client()
    tag = client.tag.create("EU partners")["id"]
    client.tag.tag_user(tag, [followers["alice"], followers["bob"]])
    return tag


def test_a_second_broadcast_to_the_same_audience_needs_again_and_gets_a_new_clientmsgid(
    seed_issue, bot_env, webhook, sandbox, followers, processes, redis_client, run_cli
):
    sandbox.configure(account_type="service")  # as the bot's settings say
    processes.worker(bot_env)
    tag = str(_tagged(sandbox, followers))
    assert run_cli("push", str(seed_issue), "--broadcast", "--tag", tag).exit_code == 0
    first = wait_push(redis_client, seed_issue)
    assert first.state == "done", first.fields

    refused = run_cli("push", str(seed_issue), "--broadcast", "--tag", tag)
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    assert f"issue 9 was already broadcast to tag {tag}" in refused.output
    assert "--again" in refused.output
    dry = run_cli("push", str(seed_issue), "--broadcast", "--tag", tag, "--dry-run")
    assert dry.exit_code != 0 and "already broadcast" in dry.output
    assert len(sandbox.records("mass")) == 1

    forced = run_cli("push", str(seed_issue), "--broadcast", "--tag", tag, "--again")
    assert forced.exit_code == 0, forced.output
    second = wait_push(redis_client, seed_issue)
    assert second.state == "done", second.fields
    # WeChat would refuse the first clientmsgid for 24 hours: the repeat has its own.
    assert (first["clientmsgid"], second["clientmsgid"]) == (
        f"mmsp-issue9-tag{tag}",
        f"mmsp-issue9-tag{tag}-2",
    )
    history = sends.history(redis_client, seed_issue, int(tag))
    assert [(s["push"], s["result"]) for s in history] == [(first.id, "sent"), (second.id, "sent")]
    assert [s["msg_id"] for s in history] == [first["msg_id"], second["msg_id"]]
    assert len([m for m in sandbox.inbox("alice") if m.get("via") == "mass"]) == 2
    assert not [m for m in sandbox.inbox("chen") if m.get("via") == "mass"]


def test_with_mass_send_protection_the_push_waits_for_the_administrator_then_goes_out(
    seed_issue, bot_env, webhook, sandbox, followers, processes, redis_client, run_cli
):
    sandbox.configure(mass_protection=True)
    processes.worker(bot_env)
    assert run_cli("push", str(seed_issue), "--broadcast").exit_code == 0
    push_id = wait_until(lambda: redis_client.get(f"push:issue:{seed_issue}"), 10, 0.1)
    wait_until(lambda: state.load(redis_client, push_id).state == "broadcast", 60, 0.2)
    shown = run_cli("status", str(seed_issue)).output
    until = re.search(r"confirm in WeChat, until (\d\d:\d\d)", shown)
    assert until, shown
    assert "waiting for an administrator" in shown

    time.sleep(1.0)
    assert state.load(redis_client, push_id).state == "broadcast"  # held, not sent
    msg_id = state.load(redis_client, push_id)["msg_id"]
    sandbox.control("POST", "mass/confirm", json={"msg_id": int(msg_id)})
    push = wait_push(redis_client, seed_issue)
    assert push.state == "done", push.fields
    assert "waiting" not in run_cli("status", str(seed_issue)).output
    assert len([m for m in sandbox.inbox("bob") if m.get("via") == "mass"]) == 1


@pytest.mark.parametrize(
    ("setup", "status", "words"),
    [
        ("refuse", "err(40001)", "An administrator refused the send"),
        ("expire", "err(40002)", "No administrator confirmed the send in WeChat within 30"),
        ("err(30003)", "err(30003)", "originality check judged the articles a reprint"),
        ("err(20001)", "err(20001)", "suspected politics"),
        ("send fail", "send fail", "mass-send protection"),
    ],
)
def test_a_mass_send_that_ends_in_a_wechat_failure_fails_the_push_with_its_hint(
    seed_issue, bot_env, webhook, sandbox, followers, processes, redis_client, run_cli,
    setup, status, words,
):  # fmt: skip
    if setup in ("refuse", "expire"):
        sandbox.configure(mass_protection=True)
    else:
        sandbox.configure(mass_outcome=setup)
    processes.worker(bot_env)
    assert run_cli("push", str(seed_issue), "--broadcast").exit_code == 0
    if setup in ("refuse", "expire"):
        push_id = wait_until(lambda: redis_client.get(f"push:issue:{seed_issue}"), 10, 0.1)
        wait_until(lambda: state.load(redis_client, push_id).get("msg_id"), 60, 0.2)
        msg_id = int(state.load(redis_client, push_id)["msg_id"])
        if setup == "refuse":
            sandbox.control("POST", "mass/confirm", json={"msg_id": msg_id, "accept": False})
        else:
            sandbox.advance_clock(30 * 60 + 1)
    push = wait_push(redis_client, seed_issue)
    assert push.state == "failed" and push["failed_step"] == "broadcast"
    assert push["errcode"] == status and words in push["hint"]
    shown = run_cli("status", str(seed_issue)).output
    assert f"errcode {status}" in shown and "what to do:" in shown
    # A send known to have failed does not count: the next push needs no --again.
    assert sends.history(redis_client, seed_issue, None)[-1]["result"] == "failed"
    sends.refuse_repeat(redis_client, seed_issue, None, again=False)


def test_an_unencrypted_masssendjobfinish_is_only_a_hint_no_urls_are_taken_from_it(
    seed_issue, bot_env, followers, sandbox, processes, redis_client
):
    from bot import create_app

    # An account switching to safe mode runs compatible (plaintext still accepted) for a while.
    env = {**bot_env, "WECHAT_MESSAGE_MODE": "compatible"}
    bot_app = create_app({**env, "STAFF_OPENIDS": (followers["alice"],), "TESTING": True})
    with serve_wsgi(bot_app) as url:
        # Plaintext: anyone who knows the token could forge these.
        sandbox.configure(webhook_url=f"{url}/wechat", delivery_mode="plain")
        _unencrypted_event_is_a_hint(seed_issue, bot_app, env, processes, redis_client)


def _unencrypted_event_is_a_hint(seed_issue, bot_app, bot_env, processes, redis_client):
    processes.worker(bot_env)
    with bot_app.app_context():
        push_id = api.start_push(redis_client, seed_issue, broadcast=True, by="test")["id"]
    push = wait_push(redis_client, seed_issue)
    assert push.id == push_id and push.state == "done", push.fields
    # Sent (mass/get says so), but its counts and URLs would have come only from the event.
    assert push["mass_status"] == "send success" and push["sent_count"] == ""
    assert not push.get("article_urls") and "URLs are unknown" in push["note"]
    assert api.published_articles(redis_client, seed_issue) == []
    event = redis_client.hgetall(f"push:event:mass:{push['msg_id']}")
    assert event and "trusted" not in event and "article_urls" not in event


def test_a_cover_wechat_no_longer_knows_is_uploaded_again_once(
    seed_issue, bot_app, bot_env, sandbox, followers, processes, redis_client
):
    processes.worker(bot_env)
    with bot_app.app_context():
        first = api.start_push(redis_client, seed_issue, by="test")["id"]
    assert wait_push(redis_client, seed_issue).state == "done"
    covers = {c["media_id"] for c in state.load(redis_client, first)["covers"]}
    client = sandbox.wechat_client()
    for media_id in covers:  # deleted in the MP console, say
        client.material.delete(media_id)
    uploads = successful_calls(sandbox, "material/add_material")

    with bot_app.app_context():
        second = api.start_push(redis_client, seed_issue, by="test")["id"]
    push = wait_push(redis_client, seed_issue)
    assert push.id == second and push.state == "done", push.fields
    assert push["reuploaded"] == "1"
    assert not covers & {c["media_id"] for c in push["covers"]}
    assert successful_calls(sandbox, "material/add_material") == uploads + len(covers)
    refused = [c for c in sandbox.calls("draft/add") if c["errcode"] == 40007]
    assert len(refused) == 1


def test_drafts_only_for_previews_or_of_failed_pushes_are_deleted_once_unneeded(
    seed_issue, bot_app, bot_env, sandbox, followers, processes, redis_client
):
    processes.worker(bot_env)
    with bot_app.app_context():
        preview = api.start_push(redis_client, seed_issue, by="test")["id"]
    assert wait_push(redis_client, seed_issue).state == "done"
    draft = state.load(redis_client, preview)["draft_media_id"]
    # The preview on alice's phone still opens its draft for a while.
    with bot_app.app_context():
        api.tick()
    assert draft in sandbox.records("drafts")
    with bot_app.app_context():
        api.tick(time.time() + cleanup.PREVIEW_KEEP + 1)
    assert draft not in sandbox.records("drafts")

    sandbox.configure(mass_quota=0)
    with bot_app.app_context():
        failed = api.start_push(redis_client, seed_issue, broadcast=True, by="test")["id"]
    push = wait_push(redis_client, seed_issue)
    assert push.id == failed and push.state == "failed" and push["errcode"] == "45028"
    assert push["draft_media_id"] not in sandbox.records("drafts")
    assert not sandbox.records("drafts")


def test_a_send_whose_fate_is_unknown_keeps_counting_so_it_is_not_repeated_by_accident(
    seed_issue, bot_app, bot_env, sandbox, followers, processes, redis_client
):
    sandbox.set_faults(drop=1.0, paths=["message/mass/sendall"])
    processes.worker(bot_env)
    with bot_app.app_context():
        api.start_push(redis_client, seed_issue, broadcast=True, by="test")
    push = wait_push(redis_client, seed_issue, timeout=90)
    sandbox.clear_faults()
    assert push.state == "failed" and push["failed_step"] == "broadcast"
    assert push["errcode"] == ""  # a network error: WeChat may have taken the send
    assert sends.history(redis_client, seed_issue, None)[-1]["result"] == "sending"
    with bot_app.app_context(), pytest.raises(state.PushError, match="already broadcast"):
        api.start_push(redis_client, seed_issue, broadcast=True, by="test")
