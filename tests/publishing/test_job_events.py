"""Job-finished events through the real webhook: hints, trusted only when encrypted, one each."""

from __future__ import annotations

import re

from tests.webhook.wire import event_xml, plain_request, safe_request

URLS = (
    "<ArticleUrlResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx>"
    "<ArticleUrl><![CDATA[https://mp.weixin.qq.com/s/forged]]></ArticleUrl></item>"
    "</ResultList></ArticleUrlResult>"
)


def _mass_event(msg_id: int, at: int) -> str:
    xml = event_xml("MASSSENDJOBFINISH", MsgID=msg_id, Status="send success", SentCount=3)
    return re.sub(r"<CreateTime>\d+</CreateTime>", f"<CreateTime>{at}</CreateTime>", xml).replace(
        "</xml>", URLS + "</xml>"
    )


def _post(client, request):
    path, body = request
    response = client.post(path, data=body, content_type="text/xml")
    assert response.status_code == 200
    return response


def test_two_mass_sends_finishing_in_the_same_second_are_two_events(client, redis_client):
    for msg_id in (1000000001, 1000000002):
        _post(client, safe_request(_mass_event(msg_id, 1796000000)))
    for msg_id in ("1000000001", "1000000002"):
        event = redis_client.hgetall(f"push:event:mass:{msg_id}")
        assert event["trusted"] == "1" and event["status"] == "send success", event


def test_an_unencrypted_mass_event_wakes_its_push_but_is_not_believed(settings_env, redis_client):
    from bot import create_app

    # Only compatible mode takes plaintext calls (safe mode refuses them with 403).
    app = create_app({**settings_env, "WECHAT_MESSAGE_MODE": "compatible", "TESTING": True})
    client = app.test_client()
    redis_client.set("push:by_msg:1000000003", "p1")
    _post(client, plain_request(_mass_event(1000000003, 1796000001)))
    event = redis_client.hgetall("push:event:mass:1000000003")
    assert event and "trusted" not in event and "article_urls" not in event
    # One for a send nobody waits for is dropped.
    _post(client, plain_request(_mass_event(1000000004, 1796000001)))
    assert not redis_client.exists("push:event:mass:1000000004")


def test_a_publish_event_only_wakes_the_push_its_urls_are_not_kept(client, redis_client):
    info = (
        "<PublishEventInfo><publish_id>2247480001</publish_id><publish_status>0</publish_status>"
        "<article_id>abc</article_id><article_detail><count>1</count><item><idx>1</idx>"
        "<article_url><![CDATA[https://mp.weixin.qq.com/s/x]]></article_url></item>"
        "</article_detail></PublishEventInfo>"
    )
    xml = event_xml("PUBLISHJOBFINISH").replace("</xml>", info + "</xml>")
    _post(client, safe_request(xml))
    event = redis_client.hgetall("push:event:publish:2247480001")
    assert event and set(event) == {"received_at"}
