"""Benchmark of importing and rendering the seed issue (the 9th) into its WeChat articles.

Measures, in one process and one run:
- import only (text → Issue): the baseline the other figures are compared with;
- import + render with covers cached (the usual case: re-rendering an unchanged issue);
- import + render cold: empty cover cache (memory and disk), every cover drawn and encoded;
- the share of the cached render spent inlining the theme's CSS (css-inline).
Prints medians in milliseconds and ratios against the baseline. Targets: cached < 100 ms,
cold < 1 s. No Redis or network is used.

    .venv/bin/python bench/render.py [--runs 50] [--cold-runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.newsletter import covers  # noqa: E402
from bot.newsletter.render import render_issue  # noqa: E402
from bot.newsletter.text_import import import_bytes  # noqa: E402

SEED = ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"


def _ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--cold-runs", type=int, default=10)
    args = parser.parse_args()
    data = SEED.read_bytes()

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "warm"
        render_issue(import_bytes(data), cache_dir=cache)  # warm the cover cache once

        baseline, cached, inline_share = [], [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            import_bytes(data)
            baseline.append(time.perf_counter() - started)

            timings: dict[str, float] = {}
            started = time.perf_counter()
            articles = render_issue(import_bytes(data), cache_dir=cache, timings=timings)
            elapsed = time.perf_counter() - started
            cached.append(elapsed)
            inline_share.append(timings.get("inline", 0.0) / elapsed)

        cold = []
        for run in range(args.cold_runs):
            covers.clear_memory_cache()
            started = time.perf_counter()
            render_issue(import_bytes(data), cache_dir=Path(tmp) / f"cold-{run}")
            cold.append(time.perf_counter() - started)

    base_ms, cached_ms, cold_ms = _ms(baseline), _ms(cached), _ms(cold)
    print(f"seed issue: {len(data)} bytes of text -> {len(articles)} articles")
    print(f"import only (baseline)       median {base_ms:8.2f} ms   ({args.runs} runs)")
    print(
        f"import + render, cached      median {cached_ms:8.2f} ms   x{cached_ms / base_ms:.1f} "
        f"baseline   target < 100 ms: {'met' if cached_ms < 100 else 'MISSED'}"
    )
    print(
        f"import + render, cold        median {cold_ms:8.2f} ms   x{cold_ms / base_ms:.1f} "
        f"baseline   target < 1000 ms: {'met' if cold_ms < 1000 else 'MISSED'}  "
        f"({args.cold_runs} runs)"
    )
    print(f"cold / cached                {cold_ms / cached_ms:8.1f} x")
    print(f"CSS inlining share (cached)  {statistics.median(inline_share) * 100:8.1f} %")
    if not covers.find_cjk_font():
        print(f"warning: {covers.NO_CJK_FONT_WARNING}")


if __name__ == "__main__":
    main()
