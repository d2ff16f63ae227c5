"""Attack replay: forging webhook calls with a signature read from a log.

WeChat's signature covers token, timestamp and nonce, not the body. Before, the bot took
plaintext POSTs although WECHAT_AES_KEY was set, and the access log kept signature, timestamp,
nonce and openid: one log line let anyone forge messages and events for five minutes (a forged
unsubscribe, a forged PUBLISHJOBFINISH with the attacker's URLs). In safe mode, the default with
an EncodingAESKey, a plaintext POST is now refused with 403 and nothing changes.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from bot import create_app
from bot.followers import records
from config import SettingsError, load_settings
from tests.webhook import wire
from tests.webhook.wire import event_xml, message_xml, text_xml

ATTACKER_URL = "https://attacker.example/fake-issue"


@pytest.fixture
def safe_client(settings_env, redis_client):
    """The bot as configured in production: an EncodingAESKey, no WECHAT_MESSAGE_MODE."""
    assert "WECHAT_MESSAGE_MODE" not in settings_env
    return create_app({**settings_env, "TESTING": True}).test_client()


def _logged_query(path: str) -> dict:
    """What the old access log showed of a genuine call: its whole query."""
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def _forge(logged: dict, xml: str) -> tuple[str, bytes]:
    """A plaintext call reusing a logged signature, timestamp and nonce with any body."""
    query = {k: logged[k] for k in ("signature", "timestamp", "nonce", "openid")}
    return "/wechat?" + urlencode(query), xml.encode()


def _post(client, request):
    path, body = request
    return client.post(path, data=body, content_type="text/xml")


def test_a_forged_plaintext_unsubscribe_with_a_logged_signature_is_403_and_changes_nothing(
    safe_client, redis_client
):
    genuine = wire.safe_request(event_xml("subscribe"))
    assert _post(safe_client, genuine).status_code == 200
    assert records.get(redis_client, wire.FOLLOWER).status != records.GONE

    forged = _forge(_logged_query(genuine[0]), event_xml("unsubscribe"))
    response = _post(safe_client, forged)
    assert response.status_code == 403
    assert response.get_data(as_text=True) == "plaintext message refused in safe mode\n"
    assert records.get(redis_client, wire.FOLLOWER).status != records.GONE


def test_a_forged_publish_job_event_cannot_put_urls_into_the_latest_card(safe_client, redis_client):
    genuine = wire.safe_request(text_xml("help"))
    assert _post(safe_client, genuine).status_code == 200
    info = (
        "<PublishEventInfo><publish_id>2247503051</publish_id><publish_status>0</publish_status>"
        "<article_id><![CDATA[art-1]]></article_id><article_detail><count>1</count><item>"
        f"<idx>1</idx><article_url><![CDATA[{ATTACKER_URL}]]></article_url></item>"
        "</article_detail></PublishEventInfo>"
    )
    xml = message_xml("event", {"Event": "PUBLISHJOBFINISH", "PublishEventInfo": info})
    response = _post(safe_client, _forge(_logged_query(genuine[0]), xml))
    assert response.status_code == 403
    assert not redis_client.keys("push:event:*")
    assert not _stored_anywhere(redis_client, ATTACKER_URL)


def _stored_anywhere(r, text: str) -> bool:
    """True when any string or hash value in the test database holds `text`."""
    for key in r.keys("*"):
        kind = r.type(key)
        values = [r.get(key)] if kind == "string" else r.hvals(key) if kind == "hash" else []
        if any(text in (v or "") for v in values):
            return True
    return False


def test_the_same_event_encrypted_by_the_key_holder_is_accepted(safe_client, redis_client):
    """The refusal is about plaintext, not about events: WeChat's encrypted calls go through."""
    response = _post(safe_client, wire.safe_request(event_xml("subscribe")))
    assert response.status_code == 200
    assert records.get(redis_client, wire.FOLLOWER) is not None


@pytest.mark.parametrize(
    "env, mode",
    [
        ({}, "plain"),
        ({"WECHAT_AES_KEY": "k" * 43}, "safe"),
        ({"WECHAT_AES_KEY": "k" * 43, "WECHAT_MESSAGE_MODE": "compatible"}, "compatible"),
        ({"WECHAT_AES_KEY": "k" * 43, "WECHAT_MESSAGE_MODE": " Plain "}, "plain"),
    ],
)
def test_the_message_mode_defaults_to_safe_when_an_aes_key_is_set(env, mode):
    assert load_settings(environ=env, dotenv=None).message_mode == mode


@pytest.mark.parametrize(
    "env, complaint",
    [
        ({"WECHAT_MESSAGE_MODE": "secure"}, "WECHAT_MESSAGE_MODE must be"),
        ({"WECHAT_MESSAGE_MODE": "safe"}, "WECHAT_MESSAGE_MODE=safe needs WECHAT_AES_KEY"),
        ({"WECHAT_MESSAGE_MODE": "compatible"}, "needs WECHAT_AES_KEY"),
    ],
)
def test_an_impossible_message_mode_stops_the_start_in_one_line(env, complaint):
    with pytest.raises(SettingsError, match=complaint) as refused:
        load_settings(environ=env, dotenv=None)
    assert "\n" not in str(refused.value)


def test_compatible_mode_takes_both_and_plain_mode_refuses_encrypted_calls(
    settings_env, redis_client
):
    compatible = create_app({**settings_env, "WECHAT_MESSAGE_MODE": "compatible"}).test_client()
    assert _post(compatible, wire.plain_request(text_xml("help"))).status_code == 200
    assert _post(compatible, wire.safe_request(text_xml("help"))).status_code == 200
    plain = create_app({**settings_env, "WECHAT_MESSAGE_MODE": "plain"}).test_client()
    assert _post(plain, wire.plain_request(text_xml("help"))).status_code == 200
    refused = _post(plain, wire.safe_request(text_xml("help")))
    assert refused.status_code == 400 and b"WECHAT_MESSAGE_MODE is plain" in refused.data
