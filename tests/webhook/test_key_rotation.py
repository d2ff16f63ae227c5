"""EncodingAESKey rotation: messages under the previous key still open, and their replies too."""

from __future__ import annotations

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto

from bot import create_app
from config import SettingsError, load_settings
from tests.conftest import TEST_WECHAT
from tests.webhook import wire
from tests.webhook.wire import text_xml

OLD_KEY = TEST_WECHAT["WECHAT_AES_KEY"]
NEW_KEY = "NewKey0123456789abcdefghijklmnopqrstuvwxyz0"
OTHER_KEY = "B" * 43


def crypto(key: str) -> WeChatCrypto:
    return WeChatCrypto(wire.TOKEN, key, TEST_WECHAT["WECHAT_APPID"])


def safe_post(client, key: str, content: str):
    """POST a safe-mode text message encrypted under `key`, as WeChat would send it."""
    query = wire.signed_query()
    envelope = xmltodict.parse(
        crypto(key).encrypt_message(text_xml(content), query["nonce"], query["timestamp"])
    )["xml"]
    query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"], openid=wire.FOLLOWER)
    body = (
        f"<xml><ToUserName><![CDATA[{wire.ACCOUNT}]]></ToUserName>"
        f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    )
    return client.post("/wechat", query_string=query, data=body, content_type="text/xml")


def opens_with(key: str, body: bytes) -> dict:
    envelope = xmltodict.parse(body)["xml"]
    plain = crypto(key).decrypt_message(
        body, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
    )
    return xmltodict.parse(plain)["xml"]


@pytest.fixture
def rotating(settings_env, redis_client):
    """The bot half-way through a rotation: the new key set, the old one kept as previous."""
    app = create_app(
        {**settings_env, "WECHAT_AES_KEY": NEW_KEY, "WECHAT_AES_KEY_PREVIOUS": OLD_KEY}
    )
    return app.test_client()


def test_a_message_under_the_previous_key_is_answered_under_that_key(rotating):
    response = safe_post(rotating, OLD_KEY, "help")
    assert response.status_code == 200
    assert "MMSP" in opens_with(OLD_KEY, response.data)["Content"]
    with pytest.raises(Exception):  # noqa: B017 - wechatpy's own error, any kind
        opens_with(NEW_KEY, response.data)


def test_a_message_under_the_current_key_is_answered_under_the_current_key(rotating):
    response = safe_post(rotating, NEW_KEY, "帮助")
    assert response.status_code == 200
    assert "简报" in opens_with(NEW_KEY, response.data)["Content"]


def test_a_message_under_neither_key_is_still_refused(rotating, caplog):
    response = safe_post(rotating, OTHER_KEY, "secret words 秘密")
    assert response.status_code == 400
    assert b"cannot decrypt" in response.data
    assert "秘密" not in caplog.text


def test_without_the_previous_key_the_old_key_no_longer_opens(settings_env, redis_client):
    app = create_app({**settings_env, "WECHAT_AES_KEY": NEW_KEY})
    assert safe_post(app.test_client(), OLD_KEY, "help").status_code == 400


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"WECHAT_AES_KEY": NEW_KEY, "WECHAT_AES_KEY_PREVIOUS": "tooshort"}, "PREVIOUS"),
        ({"WECHAT_AES_KEY": NEW_KEY, "WECHAT_AES_KEY_PREVIOUS": "-" * 43}, "PREVIOUS"),
        ({"WECHAT_AES_KEY_PREVIOUS": OLD_KEY}, "WECHAT_AES_KEY is not"),
    ],
)
def test_a_malformed_previous_key_stops_the_start_in_one_line(env, named):
    with pytest.raises(SettingsError) as caught:
        load_settings(environ=env)
    assert named in str(caught.value) and "\n" not in str(caught.value)
