"""Attack replays on import: an absurd issue number, a month that does not exist, a broken PDF.

`ingest` stored issue number 99999999999999999999999, which at once became followers' "latest";
a truncated PDF printed a stray library warning before the one-line error. Now both the CLI and
the console refuse in one line and store nothing.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import PROJECT_ROOT
from tests.newsletter.pdfmaker import text_to_pdf

SEED = (PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt").read_text()
MMSP_BOT = str(Path(sys.executable).parent / "mmsp-bot")


def _markdown(number: str = "9", month: str = "2021-06") -> str:
    """The seed issue as Markdown (the console's edit form), its front matter changed."""
    from bot.newsletter import markdown_io, text_import

    text = markdown_io.to_markdown(text_import.import_text(SEED))
    text = text.replace("number: 9\n", f"number: {number}\n", 1)
    return text.replace("month: 2021-06\n", f"month: {month}\n", 1)


BAD_ISSUES = {
    "huge number": (_markdown(number="99999999999999999999999"), "out of range"),
    "number 1000": (_markdown(number="1000"), "out of range (1-999)"),
    "number 0": (_markdown(number="0"), "number"),
    "month 13": (_markdown(month="2021-13"), "month"),
    "year 9999": (_markdown(month="9999-06"), "does not exist"),
}


def _ingest(env: dict, path: Path) -> subprocess.CompletedProcess:
    """`mmsp-bot ingest` as a person runs it: its own process, its real output."""
    return subprocess.run(
        [MMSP_BOT, "ingest", str(path)],
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _nothing_stored(redis_client) -> bool:
    return not redis_client.keys("issue:*") and not redis_client.keys("staff:import:*")


# A process each (a few seconds): the number and the month; the console test takes every case.
@pytest.mark.parametrize("case", ["huge number", "year 9999"])
def test_the_cli_refuses_an_impossible_issue_in_one_line(
    settings_env, redis_client, tmp_path, case
):
    text, complaint = BAD_ISSUES[case]
    path = tmp_path / "issue.md"
    path.write_text(text)
    done = _ingest(settings_env, path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and complaint in done.stderr, done.stderr
    assert _nothing_stored(redis_client)


@pytest.mark.parametrize("case", sorted(BAD_ISSUES))
def test_the_console_refuses_an_impossible_issue_in_one_line(editor_client, redis_client, case):
    text, complaint = BAD_ISSUES[case]
    response = editor_client.post(
        "/console/issues/import",
        data={"csrf_token": editor_client.csrf, "file": (io.BytesIO(text.encode()), "issue.md")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert complaint in response.get_data(as_text=True)
    assert _nothing_stored(redis_client)


def test_the_console_editor_cannot_renumber_an_issue_out_of_range(editor_client, redis_client):
    from bot.newsletter import store, text_import

    store.save_issue(redis_client, text_import.import_text(SEED), source="test")
    markdown = _markdown(month="0001-06")
    response = editor_client.post(
        "/console/issues/9/edit", data={"csrf_token": editor_client.csrf, "markdown": markdown}
    )
    assert response.status_code == 400
    assert "does not exist" in response.get_data(as_text=True)
    assert store.issue_meta(redis_client, 9)["versions"] == "1"
    assert not redis_client.keys("staff:import:*")


def test_a_truncated_pdf_prints_only_the_one_line_error(settings_env, redis_client, tmp_path):
    data = text_to_pdf(SEED)
    path = tmp_path / "issue.pdf"
    path.write_bytes(data[: len(data) // 2])
    done = _ingest(settings_env, path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("error: issue.pdf: ") and done.stderr.count("\n") == 1, (
        done.stderr
    )
    assert _nothing_stored(redis_client)


def test_the_store_itself_refuses_an_impossible_issue(redis_client):
    from bot.newsletter import store, text_import

    issue = text_import.import_text(SEED)
    issue.number = 10**22
    with pytest.raises(store.StoreError, match="out of range"):
        store.save_issue(redis_client, issue)
    assert store.latest_number(redis_client) is None
