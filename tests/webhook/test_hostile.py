"""Hostile and broken requests are refused with the right status, fast, and logged in one line."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlencode

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto

from bot import create_app
from tests.conftest import TEST_WECHAT
from tests.webhook import wire
from tests.webhook.wire import text_xml

SECRET_WORDS = [
    TEST_WECHAT["WECHAT_TOKEN"],
    TEST_WECHAT["WECHAT_AES_KEY"],
    TEST_WECHAT["WECHAT_SECRET"],
]

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10))
    + "]><xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"
)


def post(client, path: str, body: bytes):
    return client.post(path, data=body, content_type="text/xml")


def signed_path(**query) -> str:
    return "/wechat?" + urlencode(wire.signed_query(**query))


@pytest.fixture
def logged(caplog):
    caplog.set_level("INFO")
    return caplog


def refusal_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused ")]


def assert_refused(response, status: int, caplog, reason: str) -> None:
    assert response.status_code == status
    lines = refusal_lines(caplog)
    assert len(lines) == 1 and reason in lines[0], lines
    assert reason in response.get_data(as_text=True)
    text = caplog.text + response.get_data(as_text=True)
    assert "Traceback" not in text
    assert not [word for word in SECRET_WORDS if word in text]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"timestamp": "1", "nonce": "2"},
        {**wire.signed_query(), "signature": "f" * 40},
        {**wire.signed_query(), "nonce": "other"},
    ],
    ids=["none", "no-signature", "wrong", "tampered-nonce"],
)
def test_bad_or_missing_signature_is_403(client, logged, query):
    response = post(client, "/wechat?" + urlencode(query), text_xml("help").encode())
    assert_refused(response, 403, logged, "signature")


@pytest.mark.parametrize("offset", [-301, 301, -86400])
def test_timestamp_outside_the_replay_window_is_403(client, logged, offset):
    path = signed_path(timestamp=int(time.time()) + offset)
    assert_refused(post(client, path, text_xml("help").encode()), 403, logged, "replay window")


def test_the_replay_window_is_configurable(settings_env, redis_client, logged):
    client = create_app({**settings_env, "REPLAY_WINDOW": 20}).test_client()
    assert (
        post(
            client, signed_path(timestamp=int(time.time()) - 10), text_xml("help").encode()
        ).status_code
        == 200
    )
    path = signed_path(timestamp=int(time.time()) - 40)
    assert_refused(post(client, path, text_xml("help").encode()), 403, logged, "replay window")


def test_bad_msg_signature_in_safe_mode_is_403(client, logged):
    path, body = wire.safe_request(text_xml("help"))
    path = path.replace("msg_signature=", "msg_signature=0")
    assert_refused(post(client, path, body), 403, logged, "msg_signature")


def test_body_over_the_limit_is_413(client, logged):
    body = b"<xml>" + b"x" * (1024 * 1024) + b"</xml>"
    assert_refused(post(client, signed_path(), body), 413, logged, "limit")


@pytest.mark.parametrize(
    "body",
    [LAUGHS.encode(), b"<xml><ToUserName>a</ToUserName>", b"plain words", b"<xml>&amp</xml>", b""],
    ids=["billion-laughs", "truncated", "not-xml", "bad-entity", "empty"],
)
def test_malformed_xml_and_declarations_are_400_within_milliseconds(client, logged, body):
    started = time.perf_counter()
    response = post(client, signed_path(), body)
    assert time.perf_counter() - started < 0.5  # an expansion would take seconds and GBs
    assert response.status_code == 400
    assert len(refusal_lines(logged)) == 1


def test_billion_laughs_inside_the_encrypted_payload_is_400(client, logged):
    path, body = wire.safe_request(LAUGHS)
    started = time.perf_counter()
    response = post(client, path, body)
    assert time.perf_counter() - started < 0.5  # an expansion would take seconds and GBs
    assert_refused(response, 400, logged, "declaration")


def test_external_entities_are_never_fetched(client, logged):
    hits = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY e "fetched">')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/evil.dtd"
        body = (
            f'<?xml version="1.0"?><!DOCTYPE xml SYSTEM "{url}"><xml><Content>&e;</Content></xml>'
        )
        assert_refused(post(client, signed_path(), body.encode()), 400, logged, "declaration")
        doc = f'<!DOCTYPE x [<!ENTITY e SYSTEM "{url}">]><xml><Content>&e;</Content></xml>'
        assert post(client, signed_path(), doc.encode()).status_code == 400
    finally:
        server.shutdown()
    assert hits == []


def test_non_utf8_body_is_400(client, logged):
    body = text_xml("中文内容").replace("<xml>", '<?xml version="1.0" encoding="GBK"?><xml>')
    assert_refused(post(client, signed_path(), body.encode("gbk")), 400, logged, "UTF-8")


def test_non_utf8_payload_inside_safe_mode_is_400(client, logged):
    query = wire.signed_query()
    crypto = wire.wechatpy_crypto()
    encrypted = crypto.encrypt_message(
        text_xml("中文内容").encode("gbk"), query["nonce"], query["timestamp"]
    )
    envelope = xmltodict.parse(encrypted)["xml"]
    path = "/wechat?" + urlencode(
        {**query, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
    )
    body = f"<xml><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>".encode()
    assert_refused(post(client, path, body), 400, logged, "UTF-8")


def _encrypted_with(crypto: WeChatCrypto, xml: str) -> tuple[str, bytes]:
    query = wire.signed_query()
    envelope = xmltodict.parse(crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))[
        "xml"
    ]
    path = "/wechat?" + urlencode(
        {**query, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
    )
    return path, f"<xml><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>".encode()


def test_payload_for_another_appid_is_400(client, logged):
    other = WeChatCrypto(wire.TOKEN, TEST_WECHAT["WECHAT_AES_KEY"], "wx0000000000000000")
    path, body = _encrypted_with(other, text_xml("secret words 秘密"))
    assert_refused(post(client, path, body), 400, logged, "another appid")
    assert "秘密" not in logged.text


def test_payload_under_another_key_does_not_decrypt_and_is_400(client, logged):
    other = WeChatCrypto(wire.TOKEN, "B" * 43, TEST_WECHAT["WECHAT_APPID"])
    path, body = _encrypted_with(other, text_xml("secret words 秘密"))
    assert_refused(post(client, path, body), 400, logged, "cannot decrypt")
    assert "秘密" not in logged.text


def test_garbage_encrypt_with_valid_signature_is_400(client, logged):
    query = wire.signed_query()
    junk = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0"
    sig = wire.sha1_signature(wire.TOKEN, query["timestamp"], query["nonce"], junk)
    path = "/wechat?" + urlencode({**query, "encrypt_type": "aes", "msg_signature": sig})
    body = f"<xml><Encrypt><![CDATA[{junk}]]></Encrypt></xml>".encode()
    assert_refused(post(client, path, body), 400, logged, "cannot decrypt")


def test_safe_mode_without_an_aes_key_is_400(settings_env, redis_client, logged):
    env = {**settings_env, "WECHAT_AES_KEY": "", "WECHAT_MESSAGE_MODE": ""}
    client = create_app(env).test_client()
    path, body = wire.safe_request(text_xml("help"))
    assert_refused(post(client, path, body), 400, logged, "WECHAT_MESSAGE_MODE is plain")


def test_xml_that_is_not_a_wechat_message_is_400(client, logged):
    body = b"<xml><MsgType>text</MsgType><Content>hi</Content></xml>"
    assert_refused(post(client, signed_path(), body), 400, logged, "not a WeChat message")


def test_a_decrypted_payload_never_reaches_the_log(test_client, logged):
    path, body = wire.safe_request(text_xml("boom 机密内容"))
    assert post(test_client, path, body).status_code == 200
    assert "机密内容" not in logged.text


def test_without_redis_the_call_is_refused_with_503_so_wechat_retries(settings_env, logged):
    from tests.support.live import free_port

    dead = create_app({**settings_env, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/1"})
    response = post(dead.test_client(), *wire.plain_request(text_xml("help")))
    assert_refused(response, 503, logged, "Redis unavailable")
