"""Every message and event type WeChat pushes parses into its typed object."""

from __future__ import annotations

import pytest

from bot.webhook import messages as m
from bot.webhook.messages import MessageError, parse_message
from bot.webhook.xmlparse import XMLRefused
from tests.webhook.wire import FOLLOWER, event_xml, message_xml, text_xml


def parse(xml: str):
    return parse_message(xml.encode())


def test_text():
    msg = parse(text_xml("hello\nworld ]]", msg_id="6054768590064713728"))
    assert isinstance(msg, m.TextMessage)
    assert (msg.content, msg.msg_id, msg.from_user) == (
        "hello\nworld ]]",
        "6054768590064713728",
        FOLLOWER,
    )
    assert msg.dedup_key == "m:6054768590064713728"
    assert not msg.is_event


@pytest.mark.parametrize(
    ("msg_type", "fields", "cls", "expected"),
    [
        (
            "image",
            {"PicUrl": "http://p/1.jpg", "MediaId": "img1"},
            m.ImageMessage,
            {"pic_url": "http://p/1.jpg", "media_id": "img1"},
        ),
        (
            "voice",
            {"MediaId": "v1", "Format": "amr", "Recognition": "你好"},
            m.VoiceMessage,
            {"media_id": "v1", "format": "amr", "recognition": "你好"},
        ),
        (
            "video",
            {"MediaId": "vd", "ThumbMediaId": "th"},
            m.VideoMessage,
            {"media_id": "vd", "thumb_media_id": "th"},
        ),
        (
            "shortvideo",
            {"MediaId": "sv", "ThumbMediaId": "th"},
            m.ShortVideoMessage,
            {"media_id": "sv", "thumb_media_id": "th"},
        ),
        (
            "location",
            {"Location_X": 39.9042, "Location_Y": 116.4074, "Scale": 15, "Label": "北京"},
            m.LocationMessage,
            {"latitude": 39.9042, "longitude": 116.4074, "scale": 15, "label": "北京"},
        ),
        (
            "link",
            {"Title": "MMSP", "Description": "d", "Url": "https://example.org/a"},
            m.LinkMessage,
            {"title": "MMSP", "description": "d", "url": "https://example.org/a"},
        ),
    ],
)
def test_user_message_types(msg_type, fields, cls, expected):
    msg = parse(message_xml(msg_type, {**fields, "MsgId": 42}))
    assert type(msg) is cls
    assert {name: getattr(msg, name) for name in expected} == expected
    assert msg.msg_id == "42"


def test_subscribe_with_and_without_qr_scene():
    plain = parse(event_xml("subscribe", EventKey=""))
    assert isinstance(plain, m.SubscribeEvent) and plain.scene == "" and plain.is_event
    qr = parse(event_xml("subscribe", EventKey="qrscene_forum2026", Ticket="TICKET1"))
    assert (qr.scene, qr.ticket, qr.event_key) == ("forum2026", "TICKET1", "qrscene_forum2026")


def test_scan_unsubscribe_click_view_location():
    scan = parse(event_xml("SCAN", EventKey="forum2026", Ticket="T"))
    assert isinstance(scan, m.ScanEvent) and scan.scene == "forum2026"
    assert isinstance(parse(event_xml("unsubscribe")), m.UnsubscribeEvent)
    click = parse(event_xml("CLICK", EventKey="LATEST_ISSUE"))
    assert isinstance(click, m.ClickEvent) and click.event_key == "LATEST_ISSUE"
    view = parse(event_xml("VIEW", EventKey="https://example.org/x", MenuId=12))
    assert isinstance(view, m.ViewEvent) and (view.url, view.menu_id) == (
        "https://example.org/x",
        "12",
    )
    loc = parse(
        event_xml("LOCATION", Latitude=23.137466, Longitude=113.352425, Precision=119.385040)
    )
    assert isinstance(loc, m.LocationEvent)
    assert (loc.latitude, loc.longitude, loc.precision) == (23.137466, 113.352425, 119.38504)


def test_events_are_deduplicated_by_sender_time_event_and_key():
    click = parse(event_xml("CLICK", EventKey="LATEST_ISSUE"))
    assert click.dedup_key == f"e:{FOLLOWER}:{click.create_time}:CLICK:LATEST_ISSUE"


MASS = """<CopyrightCheckResult><Count>0</Count><ResultList></ResultList><CheckState>0</CheckState>
</CopyrightCheckResult><ArticleUrlResult><Count>2</Count><ResultList>
<item><ArticleIdx>1</ArticleIdx><ArticleUrl><![CDATA[https://mp.weixin.qq.com/s/one]]></ArticleUrl></item>
<item><ArticleIdx>2</ArticleIdx><ArticleUrl><![CDATA[https://mp.weixin.qq.com/s/two]]></ArticleUrl></item>
</ResultList></ArticleUrlResult>"""


def test_mass_send_job_finish_carries_counts_and_article_urls():
    xml = event_xml(
        "MASSSENDJOBFINISH",
        MsgID=1000001625,
        Status="send success",
        TotalCount=100,
        FilterCount=80,
        SentCount=75,
        ErrorCount=5,
    )
    msg = parse(xml.replace("</xml>", MASS + "</xml>"))
    assert isinstance(msg, m.MassSendJobFinishEvent) and msg.succeeded
    assert (msg.msg_id, msg.total_count, msg.filter_count, msg.sent_count, msg.error_count) == (
        "1000001625",
        100,
        80,
        75,
        5,
    )
    assert msg.copyright_check_state == 0
    assert [(a.idx, a.url) for a in msg.article_urls] == [
        (1, "https://mp.weixin.qq.com/s/one"),
        (2, "https://mp.weixin.qq.com/s/two"),
    ]


PUBLISH = """<PublishEventInfo><publish_id>2247503051</publish_id><publish_status>0</publish_status>
<article_id><![CDATA[b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvy]]></article_id>
<article_detail><count>1</count><item><idx>1</idx>
<article_url><![CDATA[https://mp.weixin.qq.com/s/abc]]></article_url></item></article_detail>
</PublishEventInfo>"""


def test_publish_job_finish_is_typed():
    msg = parse(event_xml("PUBLISHJOBFINISH").replace("</xml>", PUBLISH + "</xml>"))
    assert isinstance(msg, m.PublishJobFinishEvent) and msg.succeeded
    assert (msg.publish_id, msg.article_id) == (
        "2247503051",
        "b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvy",
    )
    assert [(a.idx, a.url) for a in msg.article_urls] == [(1, "https://mp.weixin.qq.com/s/abc")]


def test_failed_publication_lists_the_failed_articles():
    info = (
        "<PublishEventInfo><publish_id>9</publish_id><publish_status>2</publish_status>"
        "<fail_idx>1</fail_idx><fail_idx>3</fail_idx></PublishEventInfo>"
    )
    msg = parse(event_xml("PUBLISHJOBFINISH").replace("</xml>", info + "</xml>"))
    assert (msg.publish_status, msg.fail_idx, msg.succeeded) == (2, (1, 3), False)


def test_template_send_job_finish():
    msg = parse(event_xml("TEMPLATESENDJOBFINISH", MsgID=200163836, Status="failed:user block"))
    assert isinstance(msg, m.TemplateSendJobFinishEvent)
    assert (msg.msg_id, msg.status, msg.succeeded) == ("200163836", "failed:user block", False)


def test_unknown_types_fall_back_to_one_class():
    unknown_msg = parse(message_xml("miniprogrampage", {"Title": "x", "MsgId": 5}))
    unknown_event = parse(event_xml("user_pay_from_pay_cell", EventKey="k"))
    assert type(unknown_msg) is m.UnknownMessage and unknown_msg.dedup_key == "m:5"
    assert type(unknown_event) is m.UnknownMessage and unknown_event.is_event


def test_missing_required_fields_are_refused():
    with pytest.raises(MessageError, match="MsgId"):
        parse(message_xml("text", {"Content": "no id"}))
    with pytest.raises(MessageError, match="FromUserName"):
        parse("<xml><ToUserName>a</ToUserName><MsgType>text</MsgType></xml>")
    with pytest.raises(MessageError, match="CreateTime"):
        parse(text_xml("x").replace("<CreateTime>", "<CreateTime>soon"))


@pytest.mark.parametrize(
    "body",
    [
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
        '<!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd"><xml/>',
        '<xml><!ENTITY x SYSTEM "file:///etc/passwd"></xml>',
        "<xml><Content>&undefined;</Content></xml>",
        "<xml><a></xml>",
        "not xml",
        "",
    ],
)
def test_declarations_and_broken_xml_are_refused(body):
    with pytest.raises(XMLRefused):
        parse(body)


def test_a_follower_may_write_markup_inside_cdata():
    msg = parse(text_xml("see <!DOCTYPE html> <!ENTITY x> <!-- hi -->"))
    assert msg.content == "see <!DOCTYPE html> <!ENTITY x> <!-- hi -->"


def test_an_unterminated_section_is_refused_quickly():
    import time

    body = ("<xml><Content>" + "<![CDATA[" * 100_000 + "</Content></xml>").encode()
    started = time.perf_counter()
    with pytest.raises(XMLRefused):
        parse_message(body)
    assert time.perf_counter() - started < 0.5


def test_deep_nesting_is_refused():
    body = ("<xml>" + "<a>" * 5000 + "x" + "</a>" * 5000 + "</xml>").encode()
    with pytest.raises(XMLRefused, match="deeply"):
        parse_message(body)


def test_the_declared_encoding_is_ignored_utf8_is_read():
    body = text_xml("中文").replace("<xml>", '<?xml version="1.0" encoding="ISO-8859-1"?><xml>')
    assert parse(body).content == "中文"
