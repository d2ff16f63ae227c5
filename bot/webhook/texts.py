"""Reply texts from templates/replies/<name>.<lang>.txt, in the follower's language."""

from __future__ import annotations

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
    try:
        template = _env.get_template(f"{name}.{lang}.txt")
    except jinja2.TemplateNotFound:
        template = _env.get_template(f"{name}.{DEFAULT_LANG}.txt")
    return template.render(lang=lang, **values).strip()
