"""POST and GET /wechat over HTTP (Flask's test client): modes, message types, replies."""

from __future__ import annotations

import time

import pytest

from tests.webhook import wire
from tests.webhook.conftest import runs
from tests.webhook.wire import event_xml, message_xml, open_reply, read_reply, text_xml


def post(client, request):
    path, body = request
    return client.post(path, data=body, content_type="text/xml")


def test_url_check_echoes_echostr(client):
    query = wire.signed_query(echostr="5838479218127813673")
    response = client.get("/wechat", query_string=query)
    assert response.status_code == 200
    assert response.data == b"5838479218127813673"


@pytest.mark.parametrize(
    "query",
    [
        {"echostr": "x"},
        {**wire.signed_query(), "signature": "0" * 40, "echostr": "x"},
        wire.signed_query(timestamp=int(time.time()) - 301, echostr="x"),
    ],
    ids=["missing", "wrong", "stale"],
)
def test_url_check_with_a_bad_signature_gets_403_and_no_echo(client, query):
    response = client.get("/wechat", query_string=query)
    assert response.status_code == 403
    assert b"x" not in response.data.replace(b"signature", b"").replace(b"outside", b"")


def test_plaintext_help_gets_the_help_text(client):
    response = post(client, wire.plain_request(text_xml("help")))
    assert response.status_code == 200
    reply = read_reply(response.data)
    assert (reply["ToUserName"], reply["FromUserName"]) == (wire.FOLLOWER, wire.ACCOUNT)
    assert reply["MsgType"] == "text" and "MMSP" in reply["Content"]


@pytest.mark.parametrize("compatible", [False, True], ids=["safe", "compatible"])
def test_encrypted_modes_get_a_reply_that_wechatpy_opens(client, compatible):
    response = post(client, wire.safe_request(text_xml("帮助"), compatible=compatible))
    assert response.status_code == 200
    reply = open_reply(response.data)  # checks MsgSignature, decrypts with our appid
    assert reply["ToUserName"] == wire.FOLLOWER and "简报" in reply["Content"]


def test_subscribe_gets_the_welcome_in_safe_mode(client):
    response = post(client, wire.safe_request(event_xml("subscribe", EventKey="")))
    assert "Welcome" in open_reply(response.data)["Content"]
    scanned = event_xml("subscribe", EventKey="qrscene_forum", Ticket="T")
    response = post(client, wire.safe_request(scanned))
    assert "Welcome" in open_reply(response.data)["Content"]


PUSHES = {
    "text": text_xml("hello there"),
    "image": message_xml("image", {"PicUrl": "http://p/1.jpg", "MediaId": "m", "MsgId": 11}),
    "voice": message_xml("voice", {"MediaId": "m", "Format": "amr", "MsgId": 12}),
    "video": message_xml("video", {"MediaId": "m", "ThumbMediaId": "t", "MsgId": 13}),
    "shortvideo": message_xml("shortvideo", {"MediaId": "m", "ThumbMediaId": "t", "MsgId": 14}),
    "location": message_xml(
        "location", {"Location_X": 1.5, "Location_Y": 2.5, "Scale": 3, "Label": "x", "MsgId": 15}
    ),
    "link": message_xml("link", {"Title": "t", "Description": "d", "Url": "u", "MsgId": 16}),
    "unsubscribe": event_xml("unsubscribe"),
    "SCAN": event_xml("SCAN", EventKey="forum", Ticket="T"),
    "CLICK": event_xml("CLICK", EventKey="NOT_A_KEY"),
    "VIEW": event_xml("VIEW", EventKey="https://example.org/"),
    "LOCATION": event_xml("LOCATION", Latitude=1.0, Longitude=2.0, Precision=3.0),
    "MASSSENDJOBFINISH": event_xml("MASSSENDJOBFINISH", MsgID=1, Status="send success"),
    "PUBLISHJOBFINISH": event_xml(
        "PUBLISHJOBFINISH",
        PublishEventInfo="<publish_id>1</publish_id><publish_status>0</publish_status>",
    ),
    "TEMPLATESENDJOBFINISH": event_xml("TEMPLATESENDJOBFINISH", MsgID=2, Status="success"),
    "unknown type": message_xml("miniprogrampage", {"Title": "x", "MsgId": 17}),
    "unknown event": event_xml("some_future_event", EventKey="k"),
}


@pytest.mark.parametrize("name", PUSHES)
@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_every_push_is_answered_never_with_an_error(test_client, name, mode):
    build = wire.plain_request if mode == "plain" else wire.safe_request
    response = post(test_client, build(PUSHES[name]))
    assert response.status_code == 200
    if name in {"text", "image", "voice", "video", "shortvideo", "location", "link"}:
        reply = open_reply(response.data) if mode == "safe" else read_reply(response.data)
        assert reply["Content"] == "fallback"  # the test table's fallback for messages
    else:
        assert response.data == b"success"


def test_unknown_push_is_logged(test_client, caplog):
    caplog.set_level("INFO", logger="bot.webhook")
    response = post(test_client, wire.plain_request(PUSHES["unknown event"]))
    assert response.data == b"success"
    assert any("unknown push event/some_future_event" in r.getMessage() for r in caplog.records)


def test_menu_click_gets_up_to_eight_articles(test_client):
    response = post(test_client, wire.safe_request(event_xml("CLICK", EventKey="LATEST_ISSUE")))
    reply = open_reply(response.data)
    assert reply["MsgType"] == "news" and reply["ArticleCount"] == "3"
    assert [item["Url"] for item in reply["Articles"]["item"]] == [
        "https://example.org/1",
        "https://example.org/2",
        "https://example.org/3",
    ]


def test_two_articles_in_reply_to_a_message_are_refused_and_logged(test_client, caplog):
    caplog.set_level("INFO", logger="bot.webhook")
    msg_id = wire.next_msg_id()
    response = post(test_client, wire.plain_request(text_xml("cards", msg_id=msg_id)))
    assert response.data == b"success"
    assert any(
        f"m:{msg_id}" in r.getMessage() and "ReplyError" in r.getMessage() for r in caplog.records
    )


def test_a_failing_handler_answers_success_and_logs_the_message_id(test_client, caplog):
    caplog.set_level("INFO", logger="bot.webhook")
    msg_id = wire.next_msg_id()
    response = post(test_client, wire.plain_request(text_xml("boom", msg_id=msg_id)))
    assert response.status_code == 200 and response.data == b"success"
    lines = [r.getMessage() for r in caplog.records if f"m:{msg_id}" in r.getMessage()]
    assert lines and "RuntimeError" in lines[0]
    assert all("Traceback" not in r.getMessage() and r.exc_info is None for r in caplog.records)


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_three_retries_run_the_handler_once_and_get_identical_replies(
    test_client, redis_client, mode
):
    msg_id = wire.next_msg_id()
    build = wire.plain_request if mode == "plain" else wire.safe_request
    request = build(text_xml("echo", msg_id=msg_id))
    bodies = [post(test_client, request).data for _ in range(4)]
    assert len(set(bodies)) == 1
    reply = open_reply(bodies[0]) if mode == "safe" else read_reply(bodies[0])
    assert reply["Content"] == f"echo {msg_id}"
    assert runs(redis_client, f"m:{msg_id}") == 1


def test_retried_event_runs_once(test_client, redis_client):
    xml = event_xml("CLICK", EventKey="LATEST_ISSUE")
    bodies = {post(test_client, wire.plain_request(xml)).data for _ in range(3)}
    assert len(bodies) == 1
    assert redis_client.hvals("test:webhook:runs") == ["1"]


def test_different_messages_each_run(test_client, redis_client):
    for _ in range(3):
        post(test_client, wire.plain_request(text_xml("echo")))
    assert sorted(redis_client.hvals("test:webhook:runs")) == ["1", "1", "1"]


def test_a_failed_handler_is_not_rerun_by_retries(test_client, redis_client):
    msg_id = wire.next_msg_id()
    request = wire.plain_request(text_xml("boom", msg_id=msg_id))
    assert [post(test_client, request).data for _ in range(3)] == [b"success"] * 3
    assert runs(redis_client, f"m:{msg_id}") == 1


def test_deferred_answers_success_and_enqueues_the_task_once(test_client, redis_client):
    msg_id = wire.next_msg_id()
    request = wire.safe_request(text_xml("later", msg_id=msg_id))
    for _ in range(3):
        assert post(test_client, request).data == b"success"
    queued = redis_client.lrange("celery", 0, -1)
    assert len(queued) == 1 and "replies.send_text" in queued[0]
