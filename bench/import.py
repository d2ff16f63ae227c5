"""Benchmark of importing a designed PDF against importing the same issue's text.

Makes a 40-page designed PDF (the seed issue's stories printed 11 times in two justified
columns with running heads, a boxed index and 30 photos, laid out in HTML and CSS and printed
by chromium, as the tests' corpus is) and measures, in the same run:
- the text of the same issue imported (`.txt`, the baseline);
- the PDF imported in this process (reading order, photos extracted and converted);
- the PDF imported as the console and CLI do it: in a capped child process (run_confined).
Each measurement runs in a fresh Python process that reports its seconds and its peak memory
(maximum resident set size). Targets for the PDF: under 10 s and under 500 MB.

    .venv/bin/python bench/import.py [--runs 3] [--copies 11] [--photos 30]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"


def _measure(kind: str, path: str) -> None:
    """In a fresh process: import the file once, print seconds and peak memory as JSON."""
    data = Path(path).read_bytes()
    if kind == "text":
        from bot.newsletter.text_import import import_bytes

        started = time.perf_counter()
        issue = import_bytes(data)
    elif kind == "pdf":
        from bot.newsletter.pdf_import import import_pdf_bytes

        started = time.perf_counter()
        issue = import_pdf_bytes(data)
    else:
        from bot.newsletter.confined import Limits, run_confined

        started = time.perf_counter()
        target = "bot.newsletter.pdf_import:import_pdf_bytes"
        issue = run_confined(target, data, Limits(cpu_seconds=60, memory_mb=1024), "PDF")
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": max(own, child) / 1024,
                "stories": len(issue.stories),
                "photos": len(issue.photos),
            }
        )
    )


def _run(kind: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(path)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--copies", type=int, default=11)
    parser.add_argument("--photos", type=int, default=30)
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(*args.measure)
        return

    import pypdfium2

    from tests.newsletter.designed import long_issue, print_long_issue

    with tempfile.TemporaryDirectory() as folder:
        text_path, pdf_path = Path(folder) / "issue.txt", Path(folder) / "issue.pdf"
        text_path.write_text(long_issue(SEED, args.copies), encoding="utf-8")
        started = time.perf_counter()
        pdf = print_long_issue(SEED, args.copies, photo_every=2, max_photos=args.photos)
        pdf_path.write_bytes(pdf)
        pages = len(pypdfium2.PdfDocument(pdf))
        made = time.perf_counter() - started
        size = text_path.stat().st_size // 1024
        print(
            f"designed PDF: {pages} pages, {len(pdf) / 1048576:.1f} MB, made by chromium in "
            f"{made:.1f} s; its text: {size} KB"
        )
        rows = {"text (baseline)": "text", "PDF": "pdf", "PDF, capped child process": "confined"}
        results: dict[str, list[dict]] = {name: [] for name in rows}
        for _ in range(args.runs):  # interleaved, so load changes touch every row alike
            for name, kind in rows.items():
                path = text_path if kind == "text" else pdf_path
                results[name].append(_run(kind, path))
    base = statistics.median(r["seconds"] for r in results["text (baseline)"])
    print(f"{'import':28} {'seconds':>8} {'× text':>8} {'peak MB':>8} {'stories':>8} {'photos':>7}")
    for name, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        last = runs[-1]
        print(
            f"{name:28} {seconds:8.2f} {seconds / base:8.0f} {peak:8.0f} "
            f"{last['stories']:8} {last['photos']:7}"
        )
    print("targets for the PDF: under 10 s and under 500 MB")


if __name__ == "__main__":
    main()
