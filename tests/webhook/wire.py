"""What WeChat sends, built without the bot's code: message XML, signatures, wechatpy's crypto."""

from __future__ import annotations

import hashlib
import itertools
import time
from urllib.parse import urlencode

import xmltodict
from wechatpy.crypto import WeChatCrypto

from tests.conftest import TEST_WECHAT

TOKEN = TEST_WECHAT["WECHAT_TOKEN"]
ACCOUNT = "gh_0a1b2c3d4e5f"
FOLLOWER = "oMmspFollower0000000000001"

_ids = itertools.count(int(time.time() * 1000) * 1000)


def next_msg_id() -> str:
    return str(next(_ids))


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def wechatpy_crypto() -> WeChatCrypto:
    return WeChatCrypto(TOKEN, TEST_WECHAT["WECHAT_AES_KEY"], TEST_WECHAT["WECHAT_APPID"])


def message_xml(msg_type: str, fields: dict[str, object], sender: str = FOLLOWER) -> str:
    """A push as WeChat formats it: CDATA for text, bare numbers."""
    parts = [
        f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>",
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>",
        f"<CreateTime>{int(time.time())}</CreateTime>",
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
    ]
    for name, value in fields.items():
        if isinstance(value, int | float) or str(value).startswith("<"):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return "<xml>" + "\n".join(parts) + "</xml>"


def text_xml(content: str, msg_id: str | None = None, sender: str = FOLLOWER) -> str:
    return message_xml("text", {"Content": content, "MsgId": msg_id or next_msg_id()}, sender)


def event_xml(event: str, sender: str = FOLLOWER, **fields: object) -> str:
    return message_xml("event", {"Event": event, **fields}, sender)


def signed_query(timestamp: int | None = None, nonce: str = "1748533517", **extra: str) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"signature": sha1_signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, **extra}


def plain_request(xml: str, **query) -> tuple[str, bytes]:
    """(path with query, body) of a plaintext-mode push."""
    q = signed_query(**query)
    return "/wechat?" + urlencode({**q, "openid": FOLLOWER}), xml.encode()


def safe_request(xml: str, compatible: bool = False, **query) -> tuple[str, bytes]:
    """(path with query, body) of a safe-mode push (compatible: plaintext fields kept too)."""
    q = signed_query(**query)
    envelope = xmltodict.parse(wechatpy_crypto().encrypt_message(xml, q["nonce"], q["timestamp"]))
    encrypt = envelope["xml"]["Encrypt"]
    if compatible:
        body = xml.replace("</xml>", f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
    else:
        body = (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        )
    q.update(encrypt_type="aes", msg_signature=envelope["xml"]["MsgSignature"], openid=FOLLOWER)
    return "/wechat?" + urlencode(q), body.encode()


def open_reply(body: bytes) -> dict:
    """Decrypt a safe-mode reply with wechatpy (checking its MsgSignature) and parse it."""
    envelope = xmltodict.parse(body)["xml"]
    plain = wechatpy_crypto().decrypt_message(
        body, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
    )
    return xmltodict.parse(plain)["xml"]


def read_reply(body: bytes) -> dict:
    return xmltodict.parse(body)["xml"]
