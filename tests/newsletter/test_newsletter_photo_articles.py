"""Articles of an issue with photos: each story shows its photos in place with their captions,
and the covers are drawn over the issue's photos (the blue tile only without photos)."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageStat

from bot.newsletter import images, preflight, store
from bot.newsletter.covers import LEAD_SIZE, SQUARE_SIZE
from bot.newsletter.pdf_import import import_pdf_bytes
from bot.newsletter.render import render_issue
from bot.newsletter.text_import import import_bytes
from tests.newsletter.designed import TENTH, chromium_pdf, expected_photos


@pytest.fixture(scope="module")
def tenth_with_photos():
    return import_pdf_bytes(chromium_pdf(TENTH))


def _colours(data: bytes) -> float:
    """The spread of a picture's colours: a photo's is wide, the flat tile's narrow."""
    return sum(ImageStat.Stat(Image.open(io.BytesIO(data)).convert("RGB")).stddev) / 3


def test_each_story_shows_its_photos_in_place_with_captions(tenth_with_photos, tmp_path):
    articles = render_issue(tenth_with_photos, cache_dir=tmp_path)
    assert preflight.check(articles) == []
    shown = {}
    for article in articles:
        for src, data in article.images.items():
            assert src in article.content
            shown[src] = data
    body_photos = {k: v for k, v in shown.items() if "photo-" in k}
    assert len(body_photos) == len(expected_photos(TENTH)) == 4
    webinar = next(a for a in articles[1:] if "Webinar on Skills Recognition" in a.content)
    # after the story's first paragraph, before its second, with the caption under it
    html = webinar.content
    first = html.index("presented national frameworks")
    photo = html.index("mmsp-image://photo-")
    second = html.index("The 45 participants")
    assert first < photo < second
    assert re.search(r"Participants of the Webinar on Skills Recognition", html[photo:second])


def test_covers_are_drawn_over_the_issues_photos(tenth_with_photos, tmp_path):
    articles = render_issue(tenth_with_photos, cache_dir=tmp_path)
    plain = render_issue(import_bytes(TENTH.read_bytes()), cache_dir=tmp_path)
    lead = Image.open(io.BytesIO(articles[0].cover))
    assert lead.size == LEAD_SIZE and abs(lead.width / lead.height - 2.35) < 0.01
    for article in articles[1:]:
        assert Image.open(io.BytesIO(article.cover)).size == SQUARE_SIZE
    for with_photo, tile in zip(articles, plain, strict=True):
        assert with_photo.cover != tile.cover
        assert _colours(with_photo.cover) > _colours(tile.cover)


def test_an_issue_without_photos_keeps_the_generated_tile(tmp_path):
    issue = import_bytes(TENTH.read_bytes())
    articles = render_issue(issue, cache_dir=tmp_path)
    assert all(not any("photo-" in k for k in a.images) for a in articles)
    assert all(_colours(a.cover) < 60 for a in articles)


def test_stored_photos_come_back_from_redis_for_rendering(
    tenth_with_photos, redis_client, tmp_path
):
    store.save_issue(redis_client, tenth_with_photos)
    stored = store.get_issue(redis_client, tenth_with_photos.number)
    assert stored.photo_data == {}
    photos = images.issue_photo_bytes(redis_client, stored)
    assert set(photos) == {p.hash for p in stored.photos}
    articles = render_issue(stored, cache_dir=tmp_path, photos=photos)
    assert sum("photo-" in k for a in articles for k in a.images) == 4
