"""Importing, confirming, editing and comparing issues through the console."""

from __future__ import annotations

import html
import io
import re

from bot.console import audit
from bot.newsletter import store
from config import PROJECT_ROOT

SEED = PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"


def upload(client, name: str, data: bytes):
    return client.post(
        "/console/issues/import",
        data={"csrf_token": client.csrf, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def report_url(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def test_import_shows_the_report_and_stores_nothing_until_confirmed(editor_client, redis_client):
    url = report_url(upload(editor_client, "issue-09.txt", SEED.read_bytes()))
    page = editor_client.get(url).get_data(as_text=True)
    assert "Import report: issue 9" in page
    assert "This is a new issue." in page
    assert re.search(r"<th>Sections</th><td>\d+</td>", page)
    assert "Warnings (" in page
    assert store.list_issues(redis_client) == []

    confirm = url + "/confirm"
    response = editor_client.post(confirm, data={"csrf_token": editor_client.csrf})
    assert response.headers["Location"] == "/console/issues/9"
    assert [i["number"] for i in store.list_issues(redis_client)] == [9]
    # A second click on the same confirmation stores nothing more.
    again = editor_client.post(confirm, data={"csrf_token": editor_client.csrf})
    assert again.status_code == 404
    assert store.issue_meta(redis_client, 9)["versions"] == "1"
    actions = [e["action"] for e in audit.recent(redis_client)]
    assert "confirmed issue" in actions and "imported (unconfirmed)" in actions

    listing = editor_client.get("/console/").get_data(as_text=True)
    assert "/console/issues/9" in listing


def test_a_file_that_is_not_an_issue_is_refused_in_one_line(editor_client, redis_client):
    for name, data in [
        ("empty.txt", b""),
        ("photo.txt", bytes(range(256)) * 40),
        ("notes.txt", b"Shopping list\nmilk\neggs\n"),
    ]:
        response = upload(editor_client, name, data)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert f"{name} could not be imported:" in page
        assert "Traceback" not in page
    assert store.list_issues(redis_client) == []


def test_discarding_an_import_stores_nothing(editor_client, redis_client):
    url = report_url(upload(editor_client, "issue-09.txt", SEED.read_bytes()))
    editor_client.post(url + "/discard", data={"csrf_token": editor_client.csrf})
    assert store.list_issues(redis_client) == []
    assert editor_client.get(url).status_code == 404


def test_story_text_with_html_is_shown_escaped(editor_client):
    text = SEED.read_text(encoding="utf-8").replace(
        "FOREWORD", "FOREWORD\n\n<script>alert(1)</script>", 1
    )
    url = report_url(upload(editor_client, "issue-09.txt", text.encode()))
    page = editor_client.get(url).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def confirmed_seed(client) -> None:
    url = report_url(upload(client, "issue-09.txt", SEED.read_bytes()))
    client.post(url + "/confirm", data={"csrf_token": client.csrf})


def test_editing_the_markdown_shows_the_difference_then_keeps_the_previous_version(
    editor_client, redis_client
):
    confirmed_seed(editor_client)
    form = editor_client.get("/console/issues/9/edit").get_data(as_text=True)
    text = re.search(r"<textarea[^>]*>(.*)</textarea>", form, re.S).group(1)
    markdown = html.unescape(text)
    old_title = store.get_issue(redis_client, 9).title
    assert old_title in markdown
    edited = markdown.replace(old_title, "MMSP II NEWSLETTER, CORRECTED", 1)
    response = editor_client.post(
        "/console/issues/9/edit", data={"csrf_token": editor_client.csrf, "markdown": edited}
    )
    report = editor_client.get(report_url(response)).get_data(as_text=True)
    assert "already exists" in report
    assert "MMSP II NEWSLETTER, CORRECTED" in report and old_title in report
    assert store.get_issue(redis_client, 9).title == old_title  # not stored before confirming

    editor_client.post(report_url(response) + "/confirm", data={"csrf_token": editor_client.csrf})
    assert store.get_issue(redis_client, 9).title == "MMSP II NEWSLETTER, CORRECTED"
    assert store.get_issue(redis_client, 9, "previous").title == old_title
    diff = editor_client.get("/console/issues/9/diff").get_data(as_text=True)
    assert re.search(r'class="del">-.*' + re.escape(old_title), diff)
    assert re.search(r'class="add">\+.*MMSP II NEWSLETTER, CORRECTED', diff)


def test_markdown_that_names_another_issue_is_refused(editor_client, redis_client):
    confirmed_seed(editor_client)
    markdown = editor_client.get("/console/issues/9/edit").get_data(as_text=True)
    text = html.unescape(re.search(r"<textarea[^>]*>(.*)</textarea>", markdown, re.S).group(1))
    changed = re.sub(r"(?m)^number: 9$", "number: 10", text)
    assert changed != text
    response = editor_client.post(
        "/console/issues/9/edit", data={"csrf_token": editor_client.csrf, "markdown": changed}
    )
    assert response.status_code == 400
    assert "says issue 10, not 9" in response.get_data(as_text=True)
    assert store.issue_meta(redis_client, 9)["versions"] == "1"


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(editor_client, redis_client):
    response = upload(editor_client, "huge.pdf", b"%PDF-1.4\n" + b"0" * (12 * 1024 * 1024))
    assert response.status_code == 413
    assert store.list_issues(redis_client) == []


def counts_of(page: str) -> list[str]:
    return re.findall(r"<th>(?:Sections|Stories|Events)</th><td>(\d+)</td>", page)


def test_a_pdf_and_a_markdown_file_reach_the_import_report(editor_client, redis_client):
    from bot.newsletter import markdown_io, text_import
    from tests.newsletter.pdfmaker import text_to_pdf

    text_report = editor_client.get(
        report_url(upload(editor_client, "issue-09.txt", SEED.read_bytes()))
    ).get_data(as_text=True)
    markdown = markdown_io.to_markdown(text_import.import_bytes(SEED.read_bytes()))
    for name, data, kind in [
        ("issue-09.pdf", text_to_pdf(SEED.read_text(encoding="utf-8")), "(pdf)"),
        ("issue-09.md", markdown.encode(), "(markdown)"),
    ]:
        page = editor_client.get(report_url(upload(editor_client, name, data))).get_data(True)
        assert "Import report: issue 9" in page and kind in page
        # The PDF's wrapped lines are joined back, so it reports what the text does.
        assert counts_of(page) == counts_of(text_report)
    assert store.list_issues(redis_client) == []


def test_a_word_file_and_a_markdown_zip_reach_the_import_report_with_their_photos(
    editor_client, redis_client
):
    from tests.newsletter import corpus

    made = corpus.layout(SEED.read_text(encoding="utf-8"))
    for name, data in [
        ("issue-09.docx", corpus.docx_pandoc(made)),
        ("issue-09.zip", corpus.markdown_zip(made)),
    ]:
        page = editor_client.get(report_url(upload(editor_client, name, data)))
        text = page.get_data(as_text=True)
        assert "Import report: issue 9" in text, name
        assert "<th>Photos</th><td>7</td>" in text and "Warnings (0)" in text, name
    # Confirming stores the photos' bytes where every process reaches them.
    editor_client.post(page.request.path + "/confirm", data={"csrf_token": editor_client.csrf})
    stored = store.get_issue(redis_client, 9)
    assert len(stored.photos) == 7
    assert all(redis_client.exists(f"issue:photo:{p.hash}") for p in stored.photos)


def test_the_import_page_offers_the_template_and_the_edit_page_names_the_real_headings(
    editor_client, redis_client
):
    page = editor_client.get("/console/issues/import").get_data(as_text=True)
    assert ".docx" in page and ".zip" in page and "/console/issues/import/template.md" in page
    template = editor_client.get("/console/issues/import/template.md")
    assert template.status_code == 200 and "# Foreword" in template.get_data(as_text=True)

    editor_client.post(
        report_url(upload(editor_client, "issue-09.txt", SEED.read_bytes())) + "/confirm",
        data={"csrf_token": editor_client.csrf},
    )
    edit = html.unescape(editor_client.get("/console/issues/9/edit").get_data(as_text=True))
    hint = edit.split('<p class="hint">', 1)[1].split("</p>", 1)[0]
    assert "sections are <code>#</code> headings and stories <code>##</code>" in hint
    # And what the hint says is what the editor's text holds.
    assert "\n# PROJECT HIGHLIGHTS 2021\n" in edit and "\n## Training for EU" in edit


def test_the_editor_recaptions_and_adds_photos_as_its_hint_says(editor_client, redis_client):
    import base64

    from tests.newsletter import corpus

    made = corpus.layout(SEED.read_text(encoding="utf-8"))
    url = report_url(upload(editor_client, "issue-09.zip", corpus.markdown_zip(made)))
    editor_client.post(url + "/confirm", data={"csrf_token": editor_client.csrf})
    form = editor_client.get("/console/issues/9/edit").get_data(as_text=True)
    markdown = html.unescape(re.search(r"<textarea[^>]*>(.*)</textarea>", form, re.S).group(1))
    first = store.get_issue(redis_client, 9).photos[0]
    line = f"![{first.caption}](photo:{first.key})"
    assert line in markdown
    new = base64.b64encode(corpus.photo(42)).decode()
    edited = markdown.replace(
        line, f"![A new caption](photo:{first.key})\n\n![Added](data:image/jpeg;base64,{new})"
    )
    response = editor_client.post(
        "/console/issues/9/edit", data={"csrf_token": editor_client.csrf, "markdown": edited}
    )
    editor_client.post(report_url(response) + "/confirm", data={"csrf_token": editor_client.csrf})

    story = store.get_issue(redis_client, 9).stories[0]
    assert [p.caption for p in story.photos] == ["A new caption", "Added"]
    assert all(redis_client.exists(f"issue:photo:{p.hash}") for p in story.photos)
