"""freepublish through wechatpy: asynchronous status, article pages, the PUBLISHJOBFINISH event."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import requests
from wechatpy.exceptions import WeChatClientException

from tests.support.live import wait_until
from tests.support.sandbox import image_bytes, upload


@pytest.fixture
def client(sandbox):
    return sandbox.wechat_client()


@pytest.fixture
def draft(client) -> str:
    thumb = client.material.add("image", upload("c.jpg", image_bytes()))["media_id"]
    articles = [
        {"title": "Issue 10", "content": "<p>Lead story</p>", "thumb_media_id": thumb},
        {"title": "Events", "content": "<p>Calendar</p>", "thumb_media_id": thumb},
    ]
    return client.draft.add(articles)["media_id"]


@pytest.fixture
def webhook(sandbox):
    with sandbox.standin_webhook() as standin:
        yield standin


def test_publish_is_publishing_then_success_with_article_pages(sandbox, client, draft):
    sandbox.configure(publish_delay=0.5)
    submitted = client.freepublish.submit(draft)
    publish_id = submitted["publish_id"]
    assert client.freepublish.get(publish_id)["publish_status"] == 1
    done = wait_until(
        lambda: (r := client.freepublish.get(publish_id))["publish_status"] == 0 and r,
        timeout=10,
        what="the publish job",
    )
    urls = [item["article_url"] for item in done["article_detail"]["item"]]
    assert done["article_detail"]["count"] == 2 and len(urls) == 2
    page = requests.get(urls[0], timeout=5)
    assert page.status_code == 200 and "Lead story" in page.text
    assert 'name="viewport"' in page.text and "max-width: 414px" in page.text
    article = client.freepublish.getarticle(done["article_id"])["news_item"]
    assert [a["title"] for a in article] == ["Issue 10", "Events"]
    listed = client.freepublish.batchget(0, 20)
    assert listed["item"][0]["article_id"] == done["article_id"]
    # As on WeChat, a published draft leaves the draft box.
    assert client.draft.count()["total_count"] == 0


def test_deleting_all_articles_marks_the_publication_deleted(sandbox, client, draft):
    sandbox.configure(publish_delay=0)
    publish_id = client.freepublish.submit(draft)["publish_id"]
    article_id = client.freepublish.get(publish_id)["article_id"]
    client.freepublish.delete(article_id, 1)
    items = client.freepublish.getarticle(article_id)["news_item"]
    assert [i["is_deleted"] for i in items] == [True, False]
    assert "deleted" in requests.get(items[0]["url"], timeout=5).text
    client.freepublish.delete(article_id, 0)
    assert client.freepublish.get(publish_id)["publish_status"] == 5


def test_injected_failure_status_keeps_the_draft(sandbox, client, draft):
    sandbox.configure(publish_delay=0, publish_outcome=4)
    publish_id = client.freepublish.submit(draft)["publish_id"]
    result = client.freepublish.get(publish_id)
    assert result["publish_status"] == 4 and "article_id" not in result
    assert result["fail_idx"] == [1, 2]
    assert client.draft.count()["total_count"] == 1


def test_unknown_ids_are_refused(client):
    with pytest.raises(WeChatClientException) as caught:
        client.freepublish.submit("no-such-draft")
    assert caught.value.errcode == 40007
    with pytest.raises(WeChatClientException) as caught:
        client.freepublish.getarticle("no-such-article")
    assert caught.value.errcode == 53600


def test_publishjobfinish_event_reaches_the_webhook(sandbox, client, draft, webhook):
    sandbox.configure(publish_delay=0)
    publish_id = client.freepublish.submit(draft)["publish_id"]
    calls = wait_until(
        lambda: [c for c in webhook.calls if c.fields.get("Event") == "PUBLISHJOBFINISH"],
        timeout=10,
        what="the PUBLISHJOBFINISH event",
    )
    assert calls[0].signature_ok
    info = ET.fromstring(calls[0].xml).find("PublishEventInfo")
    assert info.findtext("publish_id") == str(publish_id)
    assert info.findtext("publish_status") == "0"
    article_urls = [i.findtext("article_url") for i in info.find("article_detail").iter("item")]
    assert article_urls == [
        i["article_url"] for i in client.freepublish.get(publish_id)["article_detail"]["item"]
    ]


def test_a_mass_sent_draft_is_a_public_article_that_freepublish_does_not_list(
    sandbox, client, draft
):
    # Since WeChat merged mass sending and publishing, a sent draft is a public article; WeChat
    # staff say freepublish/batchget lists only what was published without a mass send.
    sandbox.configure(mass_delay=0)
    sent = client.message.send_mass_article(draft, is_to_all=True, client_msg_id="one")
    sandbox.run_jobs()
    (public,) = sandbox.records("articles").values()
    assert public["via"] == "mass" and public["msg_id"] == str(sent["msg_id"])
    assert requests.get(public["news_item"][0]["url"], timeout=5).status_code == 200
    assert client.freepublish.batchget(0, 20, 1)["total_count"] == 0
    assert client.message.get_mass(sent["msg_id"])["msg_status"] == "SEND_SUCCESS"
