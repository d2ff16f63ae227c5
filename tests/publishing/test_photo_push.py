"""An issue imported from a designed PDF goes out with its photos: each uploaded once
(media/uploadimg, cached by content hash), the published pages showing them in their stories."""

from __future__ import annotations

import hashlib
import re

import requests

from bot.newsletter import images, store
from bot.newsletter.pdf_import import import_pdf_bytes
from bot.publishing import api, state
from tests.newsletter.designed import TENTH, chromium_pdf
from tests.publishing.conftest import successful_calls
from tests.support.live import wait_until


def _push_and_wait(app, redis_client, number) -> state.Push:
    with app.app_context():
        push_id = api.start_push(redis_client, number, by="test", publish=True)["id"]

    def finished():
        push = state.load(redis_client, push_id)
        return push if push and push.state in state.TERMINAL else None

    return wait_until(finished, 90, 0.2, "the push to finish")


def test_a_push_uploads_each_photo_once_and_the_published_pages_show_them(
    bot_app, bot_env, webhook, sandbox, processes, redis_client
):
    issue = import_pdf_bytes(chromium_pdf(TENTH))
    photo_hashes = {p.hash for p in issue.photos}
    assert len(photo_hashes) == 4
    store.save_issue(redis_client, issue)
    processes.worker(bot_env)

    push = _push_and_wait(bot_app, redis_client, issue.number)
    assert push.state == "done", push.fields
    uploads = successful_calls(sandbox, "media/uploadimg")
    published = api.published_articles(redis_client, issue.number)
    pages = [requests.get(a["url"], timeout=5).text for a in published]
    shown = {}
    for page in pages:
        for src in re.findall(r'<img[^>]+src="([^"]+)"', page):
            shown[src] = hashlib.sha256(requests.get(src, timeout=5).content).hexdigest()
    # Every photo is on a published page, byte for byte as stored.
    assert photo_hashes <= set(shown.values())
    for digest in photo_hashes:
        assert images.load_photo(redis_client, digest)
    assert "Participants of the Webinar on Skills Recognition" in "".join(pages)
    # Each photo went up once: one URL per photo, and no more uploads than distinct images
    # (the pages' images and, for the followers' cards, one cover image per article).
    for digest in photo_hashes:
        assert [src for src, h in shown.items() if h == digest] != []
        assert len([src for src, h in shown.items() if h == digest]) == 1
    assert uploads <= len(set(shown.values())) + len(published)

    again = _push_and_wait(bot_app, redis_client, issue.number)
    assert again.state == "done", again.fields
    assert successful_calls(sandbox, "media/uploadimg") == uploads  # all cached by hash
