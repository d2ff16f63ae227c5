"""Reply texts from templates/replies/<name>.<lang>.txt, in the follower's language."""

from __future__ import annotations

import functools

import jinja2

from config import PROJECT_ROOT

DEFAULT_LANG = "en"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates" / "replies"),
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
