"""A stand-in for the bot's webhook: wechatpy verifies and opens each call; it answers as told."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, request
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature


@dataclass
class Call:
    """One request the stand-in received, after wechatpy checked and opened it."""

    query: dict[str, str]
    body: str
    xml: str
    fields: dict[str, str]
    signature_ok: bool


@dataclass
class StandIn:
    """Answers every call with `answer(fields) -> str`; `delay` seconds first, for the first N."""

    token: str
    aes_key: str
    appid: str
    answer: Any = None
    delay: float = 0.0
    slow_calls: int = 10**6
    encrypt_reply: bool | None = None
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.token, self.aes_key, self.appid)

    def app(self) -> Flask:
        app = Flask("standin")

        @app.post("/wechat")
        def receive():
            return self._receive()

        return app

    def _receive(self):
        query = request.args.to_dict()
        body = request.get_data(as_text=True)
        try:
            check_signature(self.token, query["signature"], query["timestamp"], query["nonce"])
            signature_ok = True
        except (InvalidSignatureException, KeyError):
            signature_ok = False
        encrypted = query.get("encrypt_type") == "aes"
        xml = body
        if encrypted:
            xml = self.crypto.decrypt_message(
                body, query["msg_signature"], query["timestamp"], query["nonce"]
            )
        fields = {child.tag: child.text or "" for child in ET.fromstring(xml)}
        with self.lock:
            self.calls.append(Call(query, body, xml, fields, signature_ok))
            number = len(self.calls)
        if self.delay and number <= self.slow_calls:
            time.sleep(self.delay)
        reply = self.answer(fields) if self.answer else "success"
        wants_encryption = encrypted if self.encrypt_reply is None else self.encrypt_reply
        if wants_encryption and reply.startswith("<xml>"):
            reply = self.crypto.encrypt_message(reply, query["nonce"], query["timestamp"])
        return reply, 200, {"Content-Type": "application/xml"}


def text_reply(fields: dict[str, str], content: str) -> str:
    """A passive text reply to the message in fields, as a bot writes it."""
    return (
        f"<xml><ToUserName><![CDATA[{fields['FromUserName']}]]></ToUserName>"
        f"<FromUserName><![CDATA[{fields['ToUserName']}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content></xml>"
    )


def news_reply(fields: dict[str, str], articles: list[dict[str, str]]) -> str:
    """A passive news reply with these articles (title, description, pic_url, url)."""
    items = "".join(
        f"<item><Title><![CDATA[{a['title']}]]></Title>"
        f"<Description><![CDATA[{a['description']}]]></Description>"
        f"<PicUrl><![CDATA[{a['pic_url']}]]></PicUrl><Url><![CDATA[{a['url']}]]></Url></item>"
        for a in articles
    )
    return (
        f"<xml><ToUserName><![CDATA[{fields['FromUserName']}]]></ToUserName>"
        f"<FromUserName><![CDATA[{fields['ToUserName']}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[news]]></MsgType>"
        f"<ArticleCount>{len(articles)}</ArticleCount><Articles>{items}</Articles></xml>"
    )
