"""Rendering an issue into WeChat articles: fields within limits, safe HTML, golden files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.newsletter import preflight
from bot.newsletter.model import Section, Story
from bot.newsletter.render import (
    MAX_ARTICLES,
    PLACEHOLDER_PREFIX,
    render_issue,
    swap_images,
)
from bot.newsletter.text_import import import_bytes, import_text
from config import load_settings

HERE = Path(__file__).resolve().parent
SEED = HERE.parents[1] / "bot" / "newsletter" / "samples" / "issue-09.txt"
TENTH = HERE / "fixtures" / "issue-10.txt"
GOLDEN = HERE / "golden" / "issue-09"


@pytest.fixture(scope="module")
def seed_issue():
    return import_bytes(SEED.read_bytes())


@pytest.fixture(scope="module")
def seed_articles(seed_issue, tmp_path_factory):
    return render_issue(seed_issue, cache_dir=tmp_path_factory.mktemp("covers"))


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("path", [SEED, TENTH])
def test_every_rendered_article_passes_the_preflight_check(path, tmp_path):
    articles = render_issue(import_bytes(path.read_bytes()), cache_dir=tmp_path)
    assert 2 <= len(articles) <= MAX_ARTICLES
    assert [str(p) for p in preflight.check(articles)] == []


def test_seed_becomes_a_lead_and_one_article_per_section(seed_articles):
    assert [a.title for a in seed_articles] == [
        "MMSP II No. 9 · June 2021",
        "Project Highlights 2021",
        "MMSP II Events in 2020",
        "IOM China News",
        "Infobites",
    ]
    assert [a.kind for a in seed_articles] == ["lead"] + ["section"] * 4


def test_rendered_html_matches_the_golden_files(seed_articles):
    """Run with UPDATE_GOLDEN=1 after an intended change of the templates or theme."""
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for old in GOLDEN.glob("article-*.html"):
            old.unlink()
        for index, article in enumerate(seed_articles, 1):
            (GOLDEN / f"article-{index}.html").write_text(article.content, encoding="utf-8")
    files = sorted(GOLDEN.glob("article-*.html"))
    assert len(files) == len(seed_articles)
    for index, article in enumerate(seed_articles, 1):
        expected = (GOLDEN / f"article-{index}.html").read_text(encoding="utf-8")
        assert article.content == expected, f"article {index} differs from its golden file"


def test_digests_are_whole_sentences_or_cut_at_a_word(seed_issue, seed_articles):
    lead = seed_articles[0]
    assert len(lead.digest) <= 128
    foreword = " ".join(seed_issue.foreword.paragraphs)
    assert lead.digest.endswith("…")
    assert foreword.startswith(lead.digest[:-1])
    assert foreword[len(lead.digest) - 1] == " "  # the cut falls between words
    for article in seed_articles:
        assert 0 < len(article.digest) <= 128
        assert article.digest.endswith((".", "…"))
    # A short first sentence makes the whole digest.
    assert seed_articles[3].digest == (
        "7 June 2021 marked 20 years of China-IOM friendship. "
        "This year also marks IOM's 70th anniversary."
    )


def test_fields_fit_wechat_limits_even_for_long_titles(tmp_path):
    issue = import_bytes(TENTH.read_bytes())
    issue.sections[0].title = "A VERY LONG SECTION TITLE THAT GOES ON AND ON ABOUT LABOUR MOBILITY"
    articles = render_issue(
        issue, cache_dir=tmp_path, author="International Organization for Migration"
    )
    for article in articles:
        assert len(article.title) <= 32 and len(article.author) <= 16
    assert articles[1].title.endswith("…") and " " not in articles[1].title[-2:]
    assert articles[0].author == "International…"


def test_quotes_dates_chinese_and_links_are_styled_for_a_phone(seed_articles):
    training = seed_articles[1].content
    assert re.search(r'<blockquote style="[^"]*border-left: 4px solid #0033A0', training)
    assert (
        "Hanna Antonova</strong>, International Expert on Trafficking in Human Beings" in training
    )
    assert re.search(r'<strong style="color: #0033A0;">11 May 2021</strong>', training)
    assert "WenQuanYi Micro Hei" in training and "PingFang SC" in training
    news = seed_articles[3].content
    assert "安全、有序和正常移民全球契约 (GCM) 国家研讨会" in news
    infobites = seed_articles[4].content
    # External links are visible as numbered notes, never as <a> links.
    assert "<a " not in infobites
    assert "[1] https://www.nia.gov.cn/n897453/c1375184/content.html" in _text(infobites)
    assert "Source [1]" in _text(infobites)
    assert "(July - August 2021)" in infobites


def test_no_class_script_or_external_css_survives(seed_articles):
    for article in seed_articles:
        assert " class=" not in article.content
        assert "<style" not in article.content and "<script" not in article.content
        assert "<link" not in article.content


def test_markup_in_story_text_is_escaped_not_executed(tmp_path):
    text = TENTH.read_text(encoding="utf-8").replace(
        "The 45 participants", "<script>alert('x')</script><img src=x onerror=alert(1)> The 45"
    )
    articles = render_issue(import_text(text), cache_dir=tmp_path)
    html = articles[1].content
    assert "&lt;script&gt;alert('x')&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html and "onerror=" not in html.replace("&lt;img src=x onerror=", "")
    assert preflight.check(articles) == []


def test_the_lead_image_is_a_placeholder_with_its_bytes(seed_articles):
    lead = seed_articles[0]
    [(key, data)] = lead.images.items()
    assert key.startswith(PLACEHOLDER_PREFIX) and f'src="{key}"' in lead.content
    assert data[:3] == b"\xff\xd8\xff"  # a JPEG, as uploadimg takes
    swapped = swap_images(lead.content, {key: "http://mmbiz.qpic.cn/mmbiz_jpg/abc/0"})
    assert (
        PLACEHOLDER_PREFIX not in swapped
        and 'src="http://mmbiz.qpic.cn/mmbiz_jpg/abc/0"' in swapped
    )
    with pytest.raises(ValueError, match="no uploaded URL"):
        swap_images(lead.content, {})


def test_many_sections_still_make_at_most_eight_articles(tmp_path):
    issue = import_bytes(TENTH.read_bytes())
    story = issue.sections[0].stories[0]
    issue.sections = [Section(f"SECTION {n}", [story] * 3) for n in range(12)]
    articles = render_issue(issue, cache_dir=tmp_path)
    assert len(articles) == MAX_ARTICLES
    shown = " ".join(_text(a.content) for a in articles[1:])
    assert all(f"Section {n}" in shown for n in range(12))
    assert preflight.check(articles) == []


def test_a_section_too_long_for_one_article_is_split_by_story(tmp_path):
    issue = import_bytes(TENTH.read_bytes())
    long_story = Story("A long story", ["A long paragraph about mobility. " * 60] * 4)
    issue.sections = [Section("BIG SECTION", [long_story] * 6)]
    articles = render_issue(issue, cache_dir=tmp_path)
    titles = [a.title for a in articles[1:]]
    assert len(titles) > 1
    assert titles == ["Big Section"] + [f"Big Section ({n})" for n in range(2, len(titles) + 1)]
    assert all(len(a.content) < 20_000 for a in articles)
    assert preflight.check(articles) == []


def test_the_source_url_setting_becomes_read_original(seed_issue, tmp_path, settings_env):
    settings = load_settings(
        environ={**settings_env, "ISSUE_SOURCE_URL": "https://example.org/mmsp/issue-9.pdf"}
    )
    articles = render_issue(seed_issue, settings, cache_dir=tmp_path)
    assert {a.content_source_url for a in articles} == {"https://example.org/mmsp/issue-9.pdf"}
