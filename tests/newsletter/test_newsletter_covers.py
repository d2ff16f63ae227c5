"""Covers: sizes, thumb within WeChat's limit, real Chinese glyphs, cache by content hash."""

from __future__ import annotations

import io

from PIL import Image, ImageChops

from bot.newsletter import covers


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_lead_cover_is_235_to_1_and_others_are_square(tmp_path):
    lead = covers.make_cover("lead", 9, "June 2021", "EU-China Dialogue", cache_dir=tmp_path)
    square = covers.make_cover("square", 9, "June 2021", "Infobites", cache_dir=tmp_path)
    assert _image(lead.data).size == (900, 383) and _image(lead.data).format == "JPEG"
    assert _image(square.data).size == (500, 500)


def test_thumb_is_a_jpeg_within_64_kb_even_for_busy_covers(tmp_path):
    title = "移民与流动 " * 40 + "Migration and mobility " * 20
    cover = covers.make_cover("lead", 123, "September 2031", title, cache_dir=tmp_path)
    assert len(cover.thumb) <= 64 * 1024
    assert _image(cover.thumb).format == "JPEG"


def test_chinese_titles_render_with_real_glyphs():
    # With no CJK font every character would be the same empty box: different words would
    # draw the same pixels. With a CJK font (CI installs one) they differ.
    assert covers.find_cjk_font(), "install fonts-wqy-microhei (CI does)"
    assert covers.cover_warnings() == []
    one = covers._draw((500, 500), 9, "2021年6月", "移民", "iom")
    two = covers._draw((500, 500), 9, "2021年6月", "流动", "iom")
    assert ImageChops.difference(one, two).getbbox() is not None


def test_covers_are_cached_by_content_and_redrawn_when_it_changes(tmp_path):
    first = covers.make_cover("square", 9, "June 2021", "Cached title", cache_dir=tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [first.name, first.name.replace("cover-square-", "thumb-")]
    covers.clear_memory_cache()
    again = covers.make_cover("square", 9, "June 2021", "Cached title", cache_dir=tmp_path)
    assert again == first  # read back from disk, not drawn again
    other = covers.make_cover("square", 9, "June 2021", "Another title", cache_dir=tmp_path)
    assert other.name != first.name and other.data != first.data
    assert len(list(tmp_path.iterdir())) == 4
