"""A rendered issue written to a folder: article HTML, covers, articles.json and a phone preview."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from bot.newsletter import covers, preflight
from bot.newsletter.model import Issue
from bot.newsletter.render import _env, render_issue, swap_images

PREVIEW_WIDTH = 390  # CSS pixels of a common phone screen


@dataclass
class WriteSummary:
    """What was written, as lines for a person, and the pre-flight problems found."""

    lines: list[str] = field(default_factory=list)
    problems: list[preflight.Problem] = field(default_factory=list)


def write_rendered(issue: Issue, settings, out_dir: Path, photos=None) -> WriteSummary:
    """Render the issue into out_dir (its photos' bytes by hash in `photos`); the pre-flight
    problems come back in the summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    articles = render_issue(issue, settings, photos=photos)
    summary = WriteSummary(problems=preflight.check(articles))
    listing, frames = [], []
    for index, article in enumerate(articles, 1):
        html_name, cover_name, thumb_name = (
            f"article-{index}.html",
            f"cover-{index}.jpg",
            f"thumb-{index}.jpg",
        )
        (out_dir / html_name).write_text(article.content, encoding="utf-8")
        (out_dir / cover_name).write_bytes(article.cover)
        (out_dir / thumb_name).write_bytes(article.thumb)
        image_files = {}
        for n, (key, data) in enumerate(article.images.items(), 1):
            ext = "png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "jpg"
            image_files[key] = f"image-{index}-{n}.{ext}"
            (out_dir / image_files[key]).write_bytes(data)
        listing.append(
            {
                "title": article.title,
                "author": article.author,
                "digest": article.digest,
                "content_source_url": article.content_source_url,
                "html": html_name,
                "cover": cover_name,
                "thumb": thumb_name,
                "images": image_files,
            }
        )
        frames.append(
            {
                "title": article.title,
                "author": article.author,
                "digest": article.digest,
                "cover": cover_name,
                "lead": index == 1,
                # Our own rendered, escaped HTML; images pointed at the files beside it.
                "content": Markup(swap_images(article.content, image_files)),
            }
        )
    (out_dir / "articles.json").write_text(
        json.dumps(listing, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    page = _env.get_template("articles/preview.html").render(
        issue_number=issue.number, width=PREVIEW_WIDTH, articles=frames
    )
    (out_dir / "preview.html").write_text(page, encoding="utf-8")
    summary.lines.append(f"wrote {len(articles)} articles to {out_dir}")
    for index, article in enumerate(articles, 1):
        summary.lines.append(f"  {index}. {article.title} ({len(article.content)} characters)")
    summary.lines += [f"warning: {w}" for w in covers.cover_warnings()]
    if summary.problems:
        summary.lines += [f"pre-flight: {p}" for p in summary.problems]
    else:
        summary.lines.append("pre-flight: every article passes")
    return summary
