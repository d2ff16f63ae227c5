"""Mass sends through wechatpy: audience, clientmsgid dedup, quotas, inboxes, the finish event."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from wechatpy.exceptions import WeChatClientException

from tests.support.live import wait_until
from tests.support.sandbox import image_bytes, upload, wechat_error

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def client(sandbox):
    sandbox.configure(mass_delay=0)
    return sandbox.wechat_client()


def new_draft(client, title: str = "Issue 10") -> str:
    thumb = client.material.add("image", upload("c.jpg", image_bytes()))["media_id"]
    article = {"title": title, "content": "<p>News</p>", "digest": "D", "thumb_media_id": thumb}
    return client.draft.add([article])["media_id"]


def test_send_to_a_tag_reaches_only_its_followers(sandbox, client):
    sandbox.add_follower("alice")
    sandbox.add_follower("bob")
    tag = client.tag.create("EU partners")
    client.tag.tag_user(tag["id"], sandbox.openid("alice"))
    media_id = new_draft(client)
    sent = client.message.send_mass_article(media_id, tag["id"], client_msg_id="nl-10")
    assert sent["errmsg"] == "send job submission success"
    sandbox.run_jobs()
    assert client.message.get_mass(sent["msg_id"])["msg_status"] == "SEND_SUCCESS"
    card = [e for e in sandbox.inbox("alice") if e["via"] == "mass"]
    assert card[0]["type"] == "news" and card[0]["articles"][0]["title"] == "Issue 10"
    assert card[0]["articles"][0]["url"].startswith(sandbox.url + "/sandbox/s/")
    assert not [e for e in sandbox.inbox("bob") if e["via"] == "mass"]
    assert client.draft.count()["total_count"] == 0  # a mass-sent draft leaves the box


def test_same_clientmsgid_is_45065_with_the_first_msg_id_and_no_second_send(sandbox, client):
    sandbox.configure(mass_quota=5)
    sandbox.add_follower("alice")
    first = client.message.send_mass_article(new_draft(client), is_to_all=True, client_msg_id="a")
    again = wechat_error(
        lambda: client.message.send_mass_article(
            new_draft(client), is_to_all=True, client_msg_id="a"
        )
    )
    assert again.errcode == 45065
    assert again.response.json()["msg_id"] == first["msg_id"]
    sandbox.run_jobs()
    assert len([e for e in sandbox.inbox("alice") if e["via"] == "mass"]) == 1
    assert len(sandbox.records("mass")) == 1


def test_clientmsgid_longer_than_64_bytes_is_45067(client):
    long_id = "x" * 65
    call = lambda: client.message.send_mass_text("hi", is_to_all=True, client_msg_id=long_id)  # noqa: E731
    assert wechat_error(call).errcode == 45067


def test_subscription_account_has_one_send_a_day(sandbox, client):
    client.message.send_mass_text("first", is_to_all=True, client_msg_id="d1")
    second = lambda: client.message.send_mass_text("second", is_to_all=True, client_msg_id="d2")  # noqa: E731
    assert wechat_error(second).errcode == 45028
    sandbox.advance_clock(86400)
    assert client.message.send_mass_text("next day", is_to_all=True, client_msg_id="d3")["msg_id"]


def _to_next_beijing_month(sandbox) -> None:
    """Move the sandbox's clock to 01:00 of the 1st of next month, Beijing time."""
    now = datetime.fromtimestamp(sandbox.now(), BEIJING)
    start = (now.replace(day=1, hour=1, minute=0, second=0) + timedelta(days=32)).replace(day=1)
    sandbox.advance_clock(start.timestamp() - sandbox.now())


def test_service_account_sends_to_all_once_a_day_and_four_times_a_month(sandbox, client):
    sandbox.configure(account_type="service")
    _to_next_beijing_month(sandbox)
    for n in range(4):
        client.message.send_mass_text(f"send {n}", is_to_all=True, client_msg_id=f"m{n}")
        same_day = wechat_error(
            lambda n=n: client.message.send_mass_text("x", is_to_all=True, client_msg_id=f"s{n}")
        )
        assert same_day.errcode == 45028
        sandbox.advance_clock(86400)
    fifth = lambda: client.message.send_mass_text("five", is_to_all=True, client_msg_id="m5")  # noqa: E731
    assert wechat_error(fifth).errcode == 45028


def test_service_tag_sends_are_not_counted_but_each_follower_gets_four_a_month(sandbox, client):
    sandbox.configure(account_type="service", mass_delay=0)
    _to_next_beijing_month(sandbox)
    alice, bob = sandbox.add_follower("alice"), sandbox.add_follower("bob")
    tag = client.tag.create("EU partners")["id"]
    client.tag.tag_user(tag, alice)
    for n in range(4):
        client.message.send_mass_text(f"tag {n}", tag, client_msg_id=f"t{n}")
        sandbox.run_jobs()
    # Tag sends left the account's send to all free; alice already got her 4 this month.
    with sandbox.standin_webhook() as standin:
        sent = client.message.send_mass_text("to all", is_to_all=True, client_msg_id="all")
        calls = wait_until(
            lambda: [c for c in standin.calls if c.fields.get("MsgID") == str(sent["msg_id"])],
            timeout=10,
            what="the MASSSENDJOBFINISH event",
        )
    event = ET.fromstring(calls[0].xml)
    assert [event.findtext(f) for f in ("TotalCount", "FilterCount", "SentCount")] == [
        "2",
        "1",
        "1",
    ]
    assert len([e for e in sandbox.inbox("alice") if e["via"] == "mass"]) == 4
    assert len([e for e in sandbox.inbox("bob") if e["via"] == "mass"]) == 1 and bob


def test_subscription_tag_sends_share_the_one_send_a_day(sandbox, client):
    tag = client.tag.create("EU partners")["id"]
    client.message.send_mass_text("tag", tag, client_msg_id="t1")
    call = lambda: client.message.send_mass_text("all", is_to_all=True, client_msg_id="a1")  # noqa: E731
    assert wechat_error(call).errcode == 45028


def test_with_mass_protection_a_send_to_all_waits_for_an_administrator(sandbox, client):
    sandbox.configure(mass_protection=True)
    sandbox.add_follower("alice")
    sent = client.message.send_mass_text("held", is_to_all=True, client_msg_id="p1")
    sandbox.run_jobs()
    assert client.message.get_mass(sent["msg_id"])["msg_status"] == "SENDING"
    assert not [e for e in sandbox.inbox("alice") if e["via"] == "mass"]
    sandbox.control("POST", "mass/confirm", json={"msg_id": sent["msg_id"]})
    sandbox.run_jobs()
    assert client.message.get_mass(sent["msg_id"])["msg_status"] == "SEND_SUCCESS"
    assert [e for e in sandbox.inbox("alice") if e["via"] == "mass"]


@pytest.mark.parametrize(("refuse", "status"), [(True, "err(40001)"), (False, "err(40002)")])
def test_a_held_send_refused_or_unconfirmed_for_30_minutes_fails(sandbox, client, refuse, status):
    sandbox.configure(mass_protection=True, mass_quota=5)
    sandbox.add_follower("alice")
    with sandbox.standin_webhook() as standin:
        sent = client.message.send_mass_text("held", is_to_all=True, client_msg_id="p2")
        mine = str(sent["msg_id"])
        sandbox.advance_clock(29 * 60)
        sandbox.run_jobs()
        assert client.message.get_mass(sent["msg_id"])["msg_status"] == "SENDING"
        if refuse:
            sandbox.control(
                "POST", "mass/confirm", json={"msg_id": sent["msg_id"], "accept": False}
            )
        else:
            sandbox.advance_clock(61)
            sandbox.run_jobs()
        calls = wait_until(
            lambda: [c for c in standin.calls if c.fields.get("MsgID") == mine],
            timeout=10,
            what="the MASSSENDJOBFINISH event",
        )
    assert ET.fromstring(calls[0].xml).findtext("Status") == status
    assert client.message.get_mass(sent["msg_id"])["msg_status"] == "SEND_FAIL"
    assert not [e for e in sandbox.inbox("alice") if e["via"] == "mass"]
    # A send to a tag is not held.
    tag = client.tag.create("EU partners")["id"]
    client.tag.tag_user(tag, sandbox.openid("alice"))
    tagged = client.message.send_mass_text("tag", tag, client_msg_id="p3")
    sandbox.run_jobs()
    assert client.message.get_mass(tagged["msg_id"])["msg_status"] == "SEND_SUCCESS"


def test_a_mass_job_can_end_in_wechats_failure_outcomes(sandbox, client):
    sandbox.configure(mass_outcome="err(30001)")
    sandbox.add_follower("alice")
    sent = client.message.send_mass_article(new_draft(client), is_to_all=True, client_msg_id="o")
    sandbox.run_jobs()
    assert client.message.get_mass(sent["msg_id"])["msg_status"] == "SEND_FAIL"
    assert not [e for e in sandbox.inbox("alice") if e["via"] == "mass"]
    assert sandbox.records("mass")[str(sent["msg_id"])]["finish_status"] == "err(30001)"


def test_unknown_tag_and_draft_are_refused(client):
    assert wechat_error(lambda: client.message.send_mass_text("x", 999)).errcode == 45159
    call = lambda: client.message.send_mass_article("nope", is_to_all=True)  # noqa: E731
    assert wechat_error(call).errcode == 40007


def test_preview_goes_to_one_follower_without_quota(sandbox, client):
    sandbox.add_follower("alice")
    media_id = new_draft(client)
    client.message.send_mass_article(media_id, sandbox.openid("alice"), preview=True)
    card = [e for e in sandbox.inbox("alice") if e["via"] == "preview"][0]
    assert card["articles"][0]["title"] == "Issue 10"
    assert client.draft.count()["total_count"] == 1  # a preview leaves the draft in the box
    assert client.message.send_mass_article(media_id, is_to_all=True)["msg_id"]


def test_delete_marks_the_send_deleted(sandbox, client):
    sent = client.message.send_mass_text("oops", is_to_all=True)
    sandbox.run_jobs()
    client.message.delete_mass(sent["msg_id"])
    assert client.message.get_mass(sent["msg_id"])["msg_status"] == "DELETE"


def test_masssendjobfinish_reports_the_counts(sandbox, client):
    for name in ("alice", "bob", "carol"):
        sandbox.add_follower(name)
    with sandbox.standin_webhook() as standin:
        sent = client.message.send_mass_article(new_draft(client), is_to_all=True)
        calls = wait_until(
            lambda: [c for c in standin.calls if c.fields.get("Event") == "MASSSENDJOBFINISH"],
            timeout=10,
            what="the MASSSENDJOBFINISH event",
        )
    event = ET.fromstring(calls[0].xml)
    assert event.findtext("MsgID") == str(sent["msg_id"])
    assert event.findtext("Status") == "send success"
    assert [event.findtext(f) for f in ("TotalCount", "SentCount", "ErrorCount")] == ["3", "3", "0"]
    assert event.find("ArticleUrlResult").findtext("Count") == "1"


def test_send_to_a_list_of_openids(sandbox, client):
    alice, bob = sandbox.add_follower("alice"), sandbox.add_follower("bob")
    sandbox.add_follower("carol")
    sent = client.message.send_mass_text("For you two", [alice, bob], client_msg_id="pair")
    sandbox.run_jobs()
    assert client.message.get_mass(sent["msg_id"])["msg_status"] == "SEND_SUCCESS"
    for name, expected in (("alice", 1), ("bob", 1), ("carol", 0)):
        assert len([e for e in sandbox.inbox(name) if e["via"] == "mass"]) == expected
    assert wechat_error(lambda: client.message.send_mass_text("one", [alice])).errcode == 40130


def test_concurrent_sends_with_one_clientmsgid_make_one_send(sandbox, client):
    from concurrent.futures import ThreadPoolExecutor

    sandbox.configure(mass_quota=50)
    client.draft.count()  # the token first, so the threads do not all fetch one

    def send(_):
        try:
            return client.message.send_mass_text("once", is_to_all=True, client_msg_id="race")
        except WeChatClientException as exc:
            return exc.errcode

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    sent = [a for a in answers if isinstance(a, dict)]
    assert len(sent) == 1 and answers.count(45065) == 7
    assert len(sandbox.records("mass")) == 1
