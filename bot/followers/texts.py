"""Reply texts from `templates/replies/<name>.<lang>.txt`, and long texts cut into pages.

The followers' package owns what followers read: the webhook only carries a reply to WeChat.

The official docs give no length limit for a text reply; developers report that WeChat shows
"service unavailable" past about 2048 bytes (628 Chinese characters), so we stay at 1800 bytes.
A longer answer is cut at line ends; the rest waits in Redis for the follower to reply MORE.
"""

from __future__ import annotations

import functools

import jinja2
import redis

from bot.followers import language
from config import PROJECT_ROOT

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "replies"
DEFAULT_LANG = "en"
MAX_TEXT_BYTES = 1800
# Leave room on each page for the "reply MORE" line.
_PAGE_BYTES = MAX_TEXT_BYTES - 160
MORE_TTL = 24 * 3600


def more_key(openid: str) -> str:
    return f"follower:{openid}:more"


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    # Text replies are escaped once, when the XML is rendered; escaping here would show "&amp;".
    autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml")),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    # Templates change with a deployment, not while it runs: no stat() per reply.
    auto_reload=False,
)


def render_text(name: str, lang: str = DEFAULT_LANG, **values) -> str:
    """The text of reply `name` in `lang` (English when there is no template in that language)."""
    if not values:
        return _fixed_text(name, lang)
    return _template(name, lang).render(lang=lang, **values).strip()


def _template(name: str, lang: str) -> jinja2.Template:
    try:
        return _env.get_template(f"{name}.{lang}.txt")
    except jinja2.TemplateNotFound:
        return _env.get_template(f"{name}.{DEFAULT_LANG}.txt")


@functools.lru_cache(maxsize=256)
def _fixed_text(name: str, lang: str) -> str:
    # A template without values renders the same text every time: render it once.
    return _template(name, lang).render(lang=lang).strip()


def say(name: str, lang: str, **values) -> str:
    """The reply `name` in `lang` (English when the follower's language is unknown)."""
    return render_text(name, language.valid(lang), **values)


def template_names() -> set[tuple[str, str]]:
    """Every (name, language) pair that exists, for the test that each reply has both."""
    pairs = set()
    for path in TEMPLATE_DIR.glob("*.txt"):
        name, _, lang = path.stem.rpartition(".")
        pairs.add((name, lang))
    return pairs


def _cut(text: str, limit: int) -> list[str]:
    """Pages of at most `limit` UTF-8 bytes, cut at line ends (or inside an overlong line)."""
    pages: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) <= limit:
            current = candidate
            continue
        if current:
            pages.append(current)
        while len(line.encode()) > limit:
            head = line.encode()[:limit].decode("utf-8", "ignore")
            pages.append(head)
            line = line[len(head) :]
        current = line
    if current:
        pages.append(current)
    return pages or [""]


def split(text: str, lang: str) -> tuple[str, list[str]]:
    """The page to send now (with a MORE hint when there is more) and the pages kept for MORE."""
    if len(text.encode()) <= MAX_TEXT_BYTES:
        return text, []
    pages = _cut(text, _PAGE_BYTES)
    return pages[0] + "\n\n" + say("more_hint", lang, page=1, pages=len(pages)), pages[1:]


def store_pages(pipe, openid: str, rest: list[str]) -> None:
    """Queue on `pipe` the pages MORE gives next; no pages clears those of an earlier answer
    (MORE would otherwise answer out of turn)."""
    pipe.delete(more_key(openid))
    if rest:
        pipe.rpush(more_key(openid), *rest)
        pipe.expire(more_key(openid), MORE_TTL)


def paged(r: redis.Redis, openid: str, text: str, lang: str) -> str:
    """The first page of `text`, the rest kept for MORE at once (outside the webhook's path)."""
    first, rest = split(text, lang)
    pipe = r.pipeline()
    store_pages(pipe, openid, rest)
    pipe.execute()
    return first


def next_page(r: redis.Redis, openid: str, lang: str) -> str | None:
    """The next kept page with its own MORE hint, or None when nothing is left."""
    page = r.lpop(more_key(openid))
    if page is None:
        return None
    left = r.llen(more_key(openid))
    if left:
        return page + "\n\n" + say("more_hint_next", lang, left=left)
    return page
