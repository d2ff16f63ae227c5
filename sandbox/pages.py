"""Files and pages the sandbox serves: uploaded images, and articles at phone width."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, current_app, render_template_string
from markupsafe import Markup

from sandbox.api.media import load_file
from sandbox.state import SandboxState

bp = Blueprint("sandbox_pages", __name__)

# One small page in the style of WeChat's article view: a 414-px column, title, author, date.
ARTICLE_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
 body { margin: 0; background: #ededed; font-family: -apple-system, "PingFang SC", sans-serif; }
 main { max-width: 414px; margin: 0 auto; background: #fff; padding: 20px 16px 40px;
        min-height: 100vh; box-sizing: border-box; color: #333; line-height: 1.7; }
 h1 { font-size: 22px; line-height: 1.4; margin: 0 0 12px; color: #111; }
 .meta { color: #8c8c8c; font-size: 15px; margin-bottom: 20px; }
 .meta .account { color: #576b95; }
 .content img { max-width: 100%; height: auto; }
 .notice { color: #8c8c8c; text-align: center; padding-top: 40%; }
 .source { margin-top: 28px; font-size: 14px; }
 .source a { color: #576b95; text-decoration: none; }
 .banner { background: #fff3cd; color: #7a5b00; font-size: 13px; padding: 6px 10px;
           margin: -20px -16px 16px; }
</style></head>
<body><main>
{% if deleted %}
  <p class="notice">此内容已被发布者删除<br>This content has been deleted by the author.</p>
{% else %}
  {% if banner %}<div class="banner">{{ banner }}</div>{% endif %}
  <h1>{{ title }}</h1>
  <div class="meta">{% if author %}{{ author }} {% endif %}
    <span class="account">{{ account }}</span> {{ date }}</div>
  <div class="content">{{ content }}</div>
  {% if source_url %}
  <p class="source"><a href="{{ source_url }}">阅读原文 Read more</a></p>
  {% endif %}
{% endif %}
</main></body></html>
"""


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]


def _render(article: dict, when: float, banner: str = "", deleted: bool = False) -> str:
    st = _state()
    return render_template_string(
        ARTICLE_PAGE,
        title=article.get("title", ""),
        author=article.get("author", ""),
        account=st.account.original_id,
        date=datetime.fromtimestamp(when).strftime("%Y-%m-%d"),
        # The content was cleaned when the draft was saved (scripts and outside images removed).
        content=Markup(article.get("content", "")),
        source_url=article.get("content_source_url", ""),
        banner=banner,
        deleted=deleted,
    )


@bp.get("/sandbox/mmbiz/<file_id>")
def uploaded_file(file_id: str):
    stored = load_file(_state(), file_id)
    if stored is None:
        abort(404)
    data, mime = stored
    return Response(data, mimetype=mime, headers={"Cache-Control": "max-age=86400"})


@bp.get("/sandbox/s/<article_id>/<int:idx>")
def published_article(article_id: str, idx: int):
    """A published (or mass-sent) article, as its article_url shows it; idx counts from 1."""
    record = _state().get("articles", article_id)
    if record is None or not 1 <= idx <= len(record["news_item"]):
        abort(404)
    item = record["news_item"][idx - 1]
    return _render(item, record["update_time"], deleted=bool(item.get("is_deleted")))


@bp.get("/sandbox/draft/<media_id>/<int:index>")
def draft_article(media_id: str, index: int):
    """A draft's article (the temporary link draft/get gives); index counts from 0."""
    st = _state()
    draft = st.get("drafts", media_id)
    if draft is None or not 0 <= index < len(draft["articles"]):
        abort(404)
    banner = "Draft preview: only the account's editors see this page."
    return _render(draft["articles"][index], draft["update_time"], banner=banner)
