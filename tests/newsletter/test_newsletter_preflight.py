"""The pre-flight check names every violation WeChat would refuse or silently mangle."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.newsletter import preflight
from bot.newsletter.render import RenderedArticle, placeholder

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


def _article(**changes) -> RenderedArticle:
    base = RenderedArticle(
        title="Project Highlights 2021",
        author="IOM China",
        digest="A short summary.",
        content='<section style="color: #222;"><p>Hello</p></section>',
        content_source_url="",
        cover=JPEG,
        thumb=JPEG,
        cover_name="cover.jpg",
        kind="section",
    )
    return replace(base, **changes)


def test_a_clean_article_has_no_problems():
    assert preflight.check([_article()]) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": "T" * 33}, "article 1 title: too long: 33 characters, the limit is 32"),
        ({"title": " "}, "article 1 title: missing"),
        ({"author": "A" * 17}, "article 1 author: too long: 17 characters, the limit is 16"),
        ({"digest": "D" * 129}, "article 1 digest: too long: 129 characters, the limit is 128"),
        ({"content": "<p>x</p>" * 2500}, "article 1 content: too long: 20000 characters"),
        ({"content": "<p>" + "字" * 19000 + "</p>" * 1}, None),
        ({"content": "<script>alert(1)</script>"}, "article 1 content: forbidden tag <script>"),
        ({"content": '<iframe src="https://x"></iframe>'}, "forbidden tag <iframe>"),
        ({"content": "<form><input></form>"}, "forbidden tag <form>"),
        ({"content": '<p class="lead">x</p>'}, "forbidden attribute class= on <p>"),
        ({"content": '<p onclick="go()">x</p>'}, "forbidden attribute onclick= on <p>"),
        ({"content": '<a href="https://example.org">x</a>'}, "external link https://example.org"),
        ({"content": '<a href="https://mp.weixin.qq.com/s/abc">x</a>'}, None),
        ({"content": '<p style="position: absolute;">x</p>'}, "style WeChat drops on <p>"),
        (
            {"content": '<img src="https://example.org/a.png">'},
            "external image https://example.org/a.png",
        ),
        ({"content": f'<img src="{placeholder("x.jpg")}">'}, "has no image bytes"),
        ({"cover": b"", "thumb": b""}, "article 1 cover: missing cover"),
        ({"thumb": b"\xff\xd8" + b"0" * 70_000}, "over WeChat's 64 KB"),
        ({"content_source_url": "ftp://x"}, "content_source_url: not an http(s) URL"),
        ({"content_source_url": "https://x/" + "a" * 1100}, "content_source_url: too long"),
    ],
)
def test_each_violation_is_named(changes, expected):
    found = [str(p) for p in preflight.check([_article(**changes)])]
    if expected is None:
        assert found == []
    else:
        assert any(expected in line for line in found), found


def test_wechat_images_and_filled_placeholders_pass():
    key = placeholder("banner.jpg")
    content = f'<p><img src="{key}"><img src="http://mmbiz.qpic.cn/mmbiz_png/x/0?wx_fmt=png"></p>'
    assert preflight.check([_article(content=content, images={key: JPEG})]) == []


def test_content_over_one_megabyte_is_named():
    found = [str(p) for p in preflight.check([_article(content="<p>" + "字" * 350_000 + "</p>")])]
    assert any("too large: 1 MB or more" in line for line in found)


def test_a_message_holds_one_to_eight_articles():
    assert [str(p) for p in preflight.check([])] == ["message articles: no articles"]
    found = [str(p) for p in preflight.check([_article()] * 9)]
    assert found == ["message articles: 9 articles, a message holds at most 8"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("<p>See ![the team](photos/team.jpg) here</p>", "a Markdown image left as text"),
        ("<p>| Year | Visitors |</p><p>| --- | --- |</p>", "a Markdown table left as text"),
        ("<p>A **bold** claim</p>", "Markdown bold marks ** left as text"),
        ("<section><p>## Coming soon</p></section>", "a Markdown heading left as text"),
    ],
)
def test_markdown_left_as_text_in_an_article_fails_the_check(content, expected):
    problems = [str(p) for p in preflight.check([_article(content=content)])]
    assert any(expected in p for p in problems), problems


def test_a_story_table_is_rendered_as_an_html_table_and_passes():
    from bot.newsletter.render import render_issue
    from tests.newsletter.factory import small_issue

    issue = small_issue()
    table = "| Country | Participants |\n| --- | --- |\n| Portugal | 12 |\n| Poland | 9 |"
    issue.stories[0].paragraphs.append(table)
    articles = render_issue(issue)
    content = next(a.content for a in articles if "Portugal" in a.content)
    assert "<table" in content and "<th" in content and ">Portugal</td>" in content
    assert "| ---" not in content
    assert 'style="' in content.split("<table", 1)[1].split(">", 1)[0]  # inline, WeChat keeps it
    assert preflight.check(articles) == []
