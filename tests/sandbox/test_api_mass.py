"""Mass sends through wechatpy: audience, clientmsgid dedup, quotas, inboxes, the finish event."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from wechatpy.exceptions import WeChatClientException

from tests.support.live import wait_until
from tests.support.sandbox import image_bytes, upload, wechat_error


@pytest.fixture
def client(sandbox):
    sandbox.configure(mass_delay=0)
    return sandbox.wechat_client()


def new_draft(client, title: str = "Issue 10") -> str:
    thumb = client.material.add("thumb", upload("c.jpg", image_bytes()))["media_id"]
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


def test_service_account_has_four_sends_a_month(sandbox, client):
    sandbox.configure(account_type="service")
    for n in range(4):
        client.message.send_mass_text(f"send {n}", is_to_all=True, client_msg_id=f"m{n}")
    fifth = lambda: client.message.send_mass_text("five", is_to_all=True, client_msg_id="m5")  # noqa: E731
    assert wechat_error(fifth).errcode == 45028


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
