"""A PDF import runs in a capped child process: a decompression bomb or a runaway file is refused
in one line (CLI and console) and the process that asked stays up."""

from __future__ import annotations

import functools
import io
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from bot.newsletter.confined import Limits, run_confined
from bot.newsletter.decode import IssueImportError
from tests.newsletter.designed import TENTH, chromium_pdf

PDF_IMPORT = "bot.newsletter.pdf_import:import_pdf_bytes"
TIGHT = Limits(cpu_seconds=5, memory_mb=400)


@functools.cache
def bomb_pdf(expanded_mb: int = 600) -> bytes:
    """A valid one-page PDF of about half a megabyte whose content stream inflates to
    `expanded_mb` MB (a decompression bomb)."""
    stream = zlib.compress(b"0 0 m " * (expanded_mb * 1024 * 1024 // 6), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref))  # fmt: skip
    return out.getvalue()


def test_a_designed_pdf_imports_in_the_child_process_with_its_photos():
    issue = run_confined(PDF_IMPORT, chromium_pdf(TENTH), TIGHT, "PDF")
    assert issue.number == 10 and len(issue.photos) == 4
    assert set(issue.photo_data) == {p.hash for p in issue.photos}


@pytest.mark.parametrize(
    "limits", [TIGHT, Limits(cpu_seconds=2, memory_mb=4096)], ids=["memory", "cpu"]
)
def test_a_decompression_bomb_is_refused_in_one_line(limits):
    data = bomb_pdf()
    assert len(data) < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(IssueImportError) as refused:
        run_confined(PDF_IMPORT, data, limits, "PDF")
    message = str(refused.value)
    assert message.splitlines() == [message]
    assert "decompression bomb" in message and f"{limits.memory_mb} MB" in message
    assert time.monotonic() - started < limits.wall_seconds


def test_what_the_importer_refuses_comes_back_as_its_own_line():
    with pytest.raises(IssueImportError, match="not a PDF"):
        run_confined(PDF_IMPORT, b"plain text, not a PDF", TIGHT, "PDF")


def test_the_cli_refuses_a_bomb_in_one_line(tmp_path, settings_env):
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb_pdf())
    env = {**os.environ, **settings_env, "IMPORT_CPU_SECONDS": "5", "IMPORT_MEMORY_MB": "400"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "mmsp-bot"), "ingest", str(path), "--dry-run"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: bomb.pdf: the PDF needs more than")
