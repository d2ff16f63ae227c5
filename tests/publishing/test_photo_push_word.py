"""An issue imported from a Word file (or its Markdown zip) goes out with its photos: each
uploaded once, the published pages showing them with their captions and the table."""

from __future__ import annotations

import hashlib
import re

import requests

from bot.newsletter import store
from bot.newsletter.docx_import import import_docx_bytes
from bot.newsletter.markdown_io import from_markdown_zip
from bot.publishing import api
from tests.newsletter import corpus
from tests.newsletter.test_newsletter_docx import FIXTURES
from tests.publishing.conftest import successful_calls
from tests.publishing.test_photo_push import _push_and_wait


def test_a_word_issue_is_pushed_with_each_photo_uploaded_once(
    bot_app, bot_env, webhook, sandbox, processes, redis_client
):
    made = corpus.layout((FIXTURES / "issue-10.txt").read_text(encoding="utf-8"))
    issue = import_docx_bytes(corpus.docx_pandoc(made))
    photo_hashes = {p.hash for p in issue.photos}
    assert len(photo_hashes) == 4
    # The Markdown zip of the same issue brings the very same photos.
    assert {p.hash for p in from_markdown_zip(corpus.markdown_zip(made)).photos} == photo_hashes
    store.save_issue(redis_client, issue)
    processes.worker(bot_env)

    push = _push_and_wait(bot_app, redis_client, issue.number)
    assert push.state == "done", push.fields
    uploads = successful_calls(sandbox, "media/uploadimg")
    published = api.published_articles(redis_client, issue.number)
    pages = "".join(requests.get(a["url"], timeout=5).text for a in published)
    shown: dict[str, str] = {}
    for src in re.findall(r'<img[^>]+src="([^"]+)"', pages):
        shown[src] = hashlib.sha256(requests.get(src, timeout=5).content).hexdigest()
    assert photo_hashes <= set(shown.values())
    assert all(caption in pages for caption in made.captions.values())
    assert ">health care</td>" in pages
    for digest in photo_hashes:
        assert len([src for src, h in shown.items() if h == digest]) == 1
    assert uploads <= len(set(shown.values())) + len(published)
