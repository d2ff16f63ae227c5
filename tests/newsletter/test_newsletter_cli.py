"""`mmsp-bot ingest` and `mmsp-bot render` as staff use them, against the test Redis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import _register, cli
from bot.newsletter import store
from bot.newsletter.markdown_io import to_markdown
from bot.newsletter.text_import import import_bytes
from tests.newsletter.pdfmaker import text_to_pdf

HERE = Path(__file__).resolve().parent
SEED = HERE.parents[1] / "bot" / "newsletter" / "samples" / "issue-09.txt"
TENTH = HERE / "fixtures" / "issue-10.txt"


@pytest.fixture
def run(settings_env, redis_client):
    _register()
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args], env=settings_env, catch_exceptions=False)

    return invoke


def test_ingest_prints_a_summary_and_stores_the_issue(run, redis_client):
    result = run("ingest", SEED)
    assert result.exit_code == 0, result.output
    assert "issue 9 (2021-06)" in result.output
    assert (
        "4 sections, 9 stories, 7 events, 4 upcoming items, 3 policy items, 3 people, "
        "0 photos, 0 warnings" in result.output
    )
    assert "stored issue 9 as version 1 (current)" in result.output
    assert store.latest_number(redis_client) == 9


def test_dry_run_with_json_prints_the_issue_and_stores_nothing(run, redis_client):
    result = run("ingest", TENTH, "--dry-run", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["number"], data["month"]) == (10, "2021-12")
    assert [s["title"] for s in data["sections"]][0] == "LABOUR MOBILITY"
    assert data["sections"][0]["stories"][0]["title"].startswith("Webinar on Skills")
    assert data["events"][0]["start"] == "2021-09-09" and data["events"][0]["end"] == "2021-09-09"
    assert data["upcoming"][1] == {
        "title": "Joint Research on Return Migration",
        "start": "2022-02",
        "end": "2022-04",
        "period": "February - April 2022",
    }
    assert data["policies"][0]["title"].startswith("NEW MEASURES")
    assert data["people"][0] == {
        "name": "Maria Keller",
        "role": "Programme Manager, Migration Governance, IOM China",
    }
    assert data["warnings"] == []
    assert redis_client.keys("issue:*") == []


def test_reimport_is_pending_until_confirmed(run, redis_client):
    run("ingest", SEED)
    again = run("ingest", SEED)
    assert "already exists: stored as pending version 2" in again.output
    assert store.issue_meta(redis_client, 9)["current"] == "1"
    confirmed = run("ingest", SEED, "--confirm")
    assert "version 3 (current, confirmed)" in confirmed.output
    assert store.issue_meta(redis_client, 9)["current"] == "3"


def test_pdf_and_markdown_files_are_ingested_too(run, redis_client, tmp_path):
    pdf = tmp_path / "issue-10.pdf"
    pdf.write_bytes(text_to_pdf(TENTH.read_text(encoding="utf-8")))
    assert "stored issue 10 as version 1" in run("ingest", pdf).output
    markdown = tmp_path / "issue-9.md"
    markdown.write_text(to_markdown(import_bytes(SEED.read_bytes())), encoding="utf-8")
    assert "stored issue 9 as version 1" in run("ingest", markdown).output
    assert store.get_issue(redis_client, 9) == import_bytes(SEED.read_bytes())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"hello\n", "no newsletter masthead"),
    ],
)
def test_bad_files_get_one_line_and_exit_1(run, tmp_path, content, message, redis_client):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    result = run("ingest", bad)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert message in result.output and "Traceback" not in result.output
    assert redis_client.keys("issue:*") == []


def test_a_scanned_pdf_is_refused_in_one_line_and_nothing_is_stored(run, redis_client, tmp_path):
    from tests.newsletter.test_newsletter_pdf import scanned_pdf

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scanned_pdf())
    result = run("ingest", scan)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: scan.pdf: the PDF has no text layer (1 page of images only, a scan?); "
        "OCR it or export it again with text"
    ]
    assert redis_client.keys("issue:*") == []


def test_a_10_mb_file_is_refused_before_reading(run, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"9TH ISSUE\n" + b"x" * (10 * 1024 * 1024))
    result = run("ingest", big)
    assert result.exit_code == 1 and "the limit is 2 MB" in result.output


def test_render_writes_articles_covers_json_and_a_phone_preview(run, tmp_path):
    run("ingest", SEED)
    out = tmp_path / "out"
    result = run("render", 9, "--out", out)
    assert result.exit_code == 0, result.output
    assert "pre-flight: every article passes" in result.output
    listing = json.loads((out / "articles.json").read_text(encoding="utf-8"))
    assert len(listing) == 5
    for entry in listing:
        assert set(entry) >= {"title", "author", "digest", "content_source_url", "html", "cover"}
        assert (out / entry["html"]).read_text(encoding="utf-8").startswith("<section")
        assert (out / entry["cover"]).read_bytes()[:3] == b"\xff\xd8\xff"
    assert listing[0]["title"] == "MMSP II No. 9 · June 2021"
    preview = (out / "preview.html").read_text(encoding="utf-8")
    assert "width: 390px" in preview
    assert preview.count('class="article"') == 5
    assert "mmsp-image://" not in preview  # placeholders point at the written image files
    assert 'src="image-1-1.jpg"' in preview


def test_render_of_an_unknown_issue_says_how_to_import_it(run):
    result = run("render", 42, "--out", "unused")
    assert result.exit_code == 1
    assert "there is no issue 42 (import it with: mmsp-bot ingest FILE)" in result.output


def test_word_files_and_markdown_zips_are_ingested_and_a_template_is_offered(run, tmp_path):
    from tests.newsletter import corpus

    made = corpus.layout(SEED.read_text(encoding="utf-8"))
    docx = tmp_path / "issue-09.docx"
    docx.write_bytes(corpus.docx_python_docx(made))
    bundle = tmp_path / "issue-09.zip"
    bundle.write_bytes(corpus.markdown_zip(made))
    for path in (docx, bundle):
        result = run("ingest", path, "--dry-run")
        assert result.exit_code == 0, result.output
        assert "9 stories, 7 events, 4 upcoming items, 3 policy items, 3 people, 7 photos" in (
            result.output
        )
    template = run("ingest", "--template")
    assert template.exit_code == 0 and "# Foreword" in template.output
    written = tmp_path / "new.md"
    written.write_text(template.output, encoding="utf-8")
    result = run("ingest", written, "--dry-run")
    assert result.exit_code == 0 and "issue 11 (2022-06)" in result.output
