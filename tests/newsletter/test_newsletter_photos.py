"""Issue photos: prepared within WeChat's limits, kept in Redis by hash, refused beyond a budget."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.newsletter import images, store
from bot.newsletter.model import Issue, ModelError, Photo
from tests.newsletter.factory import small_issue


def noisy_photo(width: int = 1200, height: int = 800, seed: int = 1) -> bytes:
    """A photo-like PNG (noise compresses badly, as photos do) of the given size."""
    import random

    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def with_photo(issue: Issue, data: bytes, caption: str = "Participants", after: int = 1) -> Issue:
    prepared = images.prepare_photo(data)
    photo = Photo(
        key="p1",
        hash=prepared.hash,
        width=prepared.width,
        height=prepared.height,
        caption=caption,
        after=after,
        mime=prepared.mime,
    )
    issue.sections[0].stories[0].photos.append(photo)
    issue.photo_data[prepared.hash] = prepared.data
    return issue


def test_a_large_photo_is_made_a_jpeg_under_wechats_upload_limit():
    raw = noisy_photo(3000, 2000)
    assert len(raw) > images.UPLOAD_LIMIT
    prepared = images.prepare_photo(raw)
    assert prepared.mime == "image/jpeg" and len(prepared.data) <= images.UPLOAD_LIMIT
    assert max(prepared.width, prepared.height) <= images.MAX_SIDE
    assert Image.open(io.BytesIO(prepared.data)).size == (prepared.width, prepared.height)


def test_photos_are_stored_once_by_hash_and_loaded_as_bytes(redis_client):
    prepared = images.prepare_photo(noisy_photo(400, 300))
    digest = images.store_photo(redis_client, prepared.data)
    assert digest == prepared.hash
    assert images.store_photo(redis_client, prepared.data) == digest
    assert images.load_photo(redis_client, digest) == prepared.data
    assert images.load_photo(redis_client, "0" * 64) is None


def test_an_issue_with_photos_round_trips_through_the_store(redis_client):
    issue = with_photo(small_issue(12), noisy_photo(600, 400))
    store.save_issue(redis_client, issue)
    stored = store.get_issue(redis_client, 12)
    assert stored == issue
    photo = stored.stories[0].photos[0]
    assert (photo.caption, photo.after, photo.width, photo.height) == ("Participants", 1, 600, 400)
    assert images.load_photo(redis_client, photo.hash) == issue.photo_data[photo.hash]
    assert stored.summary()["photos"] == 1


def test_photos_beyond_the_budget_are_refused_in_one_line_and_nothing_is_stored(redis_client):
    issue = with_photo(small_issue(12), noisy_photo(900, 700))
    with pytest.raises(images.PhotoError) as refused:
        store.save_issue(redis_client, issue, photo_budget=100_000)
    message = str(refused.value)
    assert message.splitlines() == [message] and "limit is" in message
    assert store.get_issue(redis_client, 12) is None
    assert not redis_client.keys("issue:photo:*")


def test_a_photo_without_bytes_anywhere_is_refused(redis_client):
    issue = with_photo(small_issue(12), noisy_photo(300, 200))
    issue.photo_data.clear()
    with pytest.raises(images.PhotoError, match="photo p1 has no stored bytes"):
        store.save_issue(redis_client, issue)


def test_a_decompression_bomb_image_is_refused_before_decoding():
    bomb = Image.new("1", (20_000, 20_000))
    buffer = io.BytesIO()
    bomb.save(buffer, "PNG")
    with pytest.raises(images.PhotoError, match="too large"):
        images.prepare_photo(buffer.getvalue())


def test_a_photo_hash_must_be_a_sha256():
    with pytest.raises(ModelError, match="photo.hash"):
        Photo.from_dict({"key": "p1", "hash": "abc", "width": 1, "height": 1})
