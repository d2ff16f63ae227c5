"""The follower endpoints, the chat page and the platform view of a running sandbox."""

from __future__ import annotations

import pytest
import requests

from tests.support.standin_webhook import news_reply, text_reply

MENU = {
    "button": [
        {"type": "click", "name": "Latest", "key": "LATEST_ISSUE"},
        {
            "name": "More",
            "sub_button": [
                {"type": "view", "name": "Website", "url": "http://example.org/mmsp"},
                {"type": "click", "name": "Help", "key": "HELP"},
            ],
        },
    ]
}


def _answer(fields):
    if fields.get("Event") == "subscribe":
        return text_reply(fields, "Welcome to the MMSP II newsletter")
    if fields.get("EventKey") == "LATEST_ISSUE":
        card = {
            "title": "Issue 12 <EU & China>",
            "description": "Labour migration and skills",
            "pic_url": "http://127.0.0.1/cover.jpg",
            "url": "http://127.0.0.1/s/issue-12",
        }
        return news_reply(fields, [card])
    if fields["MsgType"] == "text":
        return text_reply(fields, f"you said {fields['Content']}")
    return "success"


@pytest.fixture
def webhook(sandbox):
    with sandbox.standin_webhook(_answer, delivery_timeout=1.0) as standin:
        yield standin


def _post(sandbox, path, **body):
    return requests.post(f"{sandbox.url}/sandbox/followers/{path}", json=body, timeout=30)


def test_follower_follows_and_says_over_http(sandbox, webhook):
    followed = _post(sandbox, "alice/follow", language="en").json()
    assert followed["replies"][0]["content"] == "Welcome to the MMSP II newsletter"
    assert followed["follower"]["language"] == "en"
    said = _post(sandbox, "alice/say", text="help").json()
    assert said["delivery"] == {"status": "reply", "attempts": 1, "error": ""}
    assert said["replies"][0]["content"] == "you said help"
    box = requests.get(f"{sandbox.url}/sandbox/followers/alice/inbox", timeout=10).json()
    assert [e["type"] for e in box["inbox"]] == ["event", "text", "text", "text"]
    assert box["openid"] == followed["openid"] == webhook.calls[0].query["openid"]


def test_follower_openid_is_stable_across_unfollow_and_follow(sandbox, webhook):
    first = _post(sandbox, "alice/follow").json()["openid"]
    assert _post(sandbox, "alice/unfollow").json()["follower"]["subscribe"] == 0
    assert webhook.calls[-1].fields["Event"] == "unsubscribe"
    assert _post(sandbox, "alice/follow").json()["openid"] == first


def test_follower_who_does_not_follow_cannot_say_anything(sandbox, webhook):
    response = _post(sandbox, "carol/say", text="hi")
    assert response.status_code == 400
    assert response.json() == {
        "error": "carol does not follow the account (mmsp-bot sandbox follow carol)"
    }
    assert webhook.calls == []


def test_follower_clicks_a_menu_button_created_with_wechatpy(sandbox, webhook):
    sandbox.configure(delivery_mode="plain")  # the body's shape is checked below
    sandbox.wechat_client().menu.create(MENU)
    _post(sandbox, "alice/follow")
    clicked = _post(sandbox, "alice/click", key="LATEST_ISSUE").json()
    assert (webhook.calls[-1].fields["Event"], webhook.calls[-1].fields["EventKey"]) == (
        "CLICK",
        "LATEST_ISSUE",
    )
    assert webhook.calls[-1].body.endswith(
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>"
        "<EventKey><![CDATA[LATEST_ISSUE]]></EventKey></xml>"
    )
    assert clicked["replies"][0]["articles"][0]["title"] == "Issue 12 <EU & China>"
    missing = _post(sandbox, "alice/click", key="NOPE")
    assert missing.status_code == 400
    assert missing.json()["error"] == "the menu has no click button with key 'NOPE'"


def test_follower_view_button_sends_a_view_event(sandbox, webhook):
    sandbox.wechat_client().menu.create(MENU)
    _post(sandbox, "alice/follow")
    viewed = _post(sandbox, "alice/view", url="http://example.org/mmsp").json()
    assert viewed["delivery"]["status"] == "no_reply"
    fields = webhook.calls[-1].fields
    assert (fields["Event"], fields["EventKey"]) == ("VIEW", "http://example.org/mmsp")


def test_follower_chat_page_shows_messages_cards_and_the_menu(sandbox, webhook):
    sandbox.wechat_client().menu.create(MENU)
    _post(sandbox, "alice/follow")
    _post(sandbox, "alice/say", text="hello <there>")
    _post(sandbox, "alice/click", key="LATEST_ISSUE")
    page = requests.get(f"{sandbox.url}/sandbox/chat/alice", timeout=10)
    assert page.status_code == 200
    html = page.text
    assert "Welcome to the MMSP II newsletter" in html
    assert "you said hello &lt;there&gt;" in html
    assert "Issue 12 &lt;EU &amp; China&gt;" in html
    assert "Labour migration and skills" in html
    assert 'href="http://127.0.0.1/s/issue-12"' in html
    assert 'src="http://127.0.0.1/cover.jpg"' in html
    for shown in ("Latest</button>", "☰ More</summary>", "Website ↗</button>", "Help</button>"):
        assert shown in html
    assert 'name="key" value="LATEST_ISSUE"' in html


def test_follower_front_page_lists_followers_with_links_to_their_chats(sandbox, webhook):
    _post(sandbox, "alice/follow")
    page = requests.get(f"{sandbox.url}/sandbox/", timeout=10)
    assert page.url.endswith("/sandbox/chat/")
    assert 'href="/sandbox/chat/alice">alice</a>' in page.text
    assert 'href="/sandbox/platform"' in page.text


def test_follower_chat_page_form_sends_the_message(sandbox, webhook):
    _post(sandbox, "alice/follow")
    response = requests.post(
        f"{sandbox.url}/sandbox/chat/alice/say", data={"text": "from the page"}, timeout=30
    )
    assert response.status_code == 200 and response.url.endswith("/sandbox/chat/alice")
    assert "you said from the page" in response.text


def test_follower_platform_view_lists_token_fetches_calls_and_deliveries(sandbox, webhook):
    client = sandbox.wechat_client()
    client.menu.create(MENU)
    _post(sandbox, "alice/follow")
    html = requests.get(f"{sandbox.url}/sandbox/platform", timeout=10).text
    assert "Token fetches" in html and "menu/create" in html
    assert sandbox.token_fetches()["token"] >= 1
    assert "event:subscribe" in html
    assert webhook.calls[0].query["openid"] in html


def test_follower_slow_webhook_is_shown_as_a_delivery_error(sandbox, webhook):
    _post(sandbox, "alice/follow")
    webhook.delay = 2.5
    said = _post(sandbox, "alice/say", text="slow").json()
    assert said["delivery"]["attempts"] == 3
    page = requests.get(f"{sandbox.url}/sandbox/chat/alice", timeout=10).text
    assert "该公众号暂时无法提供服务，请稍后再试<br>delivery error: no answer within 1 s" in page


def test_follower_bad_follow_requests_get_one_line_errors(sandbox, webhook):
    bad_name = _post(sandbox, "al%20ice/follow")
    assert bad_name.status_code == 400
    assert bad_name.json()["error"].startswith("follower name 'al ice' must be 1-32 letters")
    bad_language = _post(sandbox, "alice/follow", language="fr")
    assert bad_language.json() == {"error": "language must be one of zh_CN, zh_TW, en"}
    not_json = requests.post(
        f"{sandbox.url}/sandbox/followers/alice/say",
        data="[1]",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert not_json.status_code == 400
    assert not_json.json() == {"error": "the body must be a JSON object"}
    assert webhook.calls == []


def test_follower_chat_survives_a_sandbox_restart(sandbox, webhook):
    _post(sandbox, "alice/follow")
    _post(sandbox, "alice/say", text="before the restart")
    sandbox.restart()
    assert [e.get("content") for e in sandbox.inbox("alice")][-2:] == [
        "before the restart",
        "you said before the restart",
    ]
    assert _post(sandbox, "alice/say", text="after").json()["replies"][0]["content"] == (
        "you said after"
    )
