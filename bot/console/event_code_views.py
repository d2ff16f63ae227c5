"""QR codes of an issue's upcoming events: made through WeChat, shown and downloaded as PNG."""

from __future__ import annotations

import logging

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from bot.console import bp
from bot.console.auth_views import note
from bot.console.security import access
from bot.followers import event_codes
from bot.newsletter import store
from bot.redisdb import get_redis

log = logging.getLogger(__name__)


def _items_or_404(number: int) -> list[dict]:
    r = get_redis()
    if store.get_issue(r, number) is None:
        abort(404, f"There is no issue {number}.")
    return store.upcoming_items(r, number)


@bp.get("/issues/<int:number>/event-codes")
@access("editor")
def event_codes_page(number: int):
    items = _items_or_404(number)
    codes = event_codes.all_for_issue(get_redis(), number, len(items))
    rows = [{"index": i, "item": item, "code": codes.get(i)} for i, item in enumerate(items, 1)]
    return render_template("console/event_codes.html", number=number, rows=rows)


@bp.post("/issues/<int:number>/event-codes/<int:index>")
@access("editor")
def create_event_code(number: int, index: int):
    from bot.wechat import WeChatAPIError, get_client

    items = _items_or_404(number)
    if not 1 <= index <= len(items):
        abort(404, "No such upcoming event.")
    permanent = request.form.get("kind") == "permanent"
    back = redirect(url_for("console.event_codes_page", number=number))
    try:
        event_codes.create(get_redis(), get_client(), number, index, permanent, g.staff.name)
    except WeChatAPIError as exc:
        flash(f"WeChat refused the QR code: {exc.errmsg} ({exc.hint})", "error")
        return back
    except event_codes.CodeError as exc:
        flash(str(exc), "error")
        return back
    except Exception as exc:  # network: one line, nothing kept
        log.warning("qrcode/create for issue %s item %s failed: %s", number, index, exc)
        flash(f"WeChat could not be reached ({type(exc).__name__}); try again.", "error")
        return back
    kind = "permanent" if permanent else "30-day"
    note("made event QR code", f"issue {number} item {index} ({kind})")
    flash(f"The {kind} QR code of “{items[index - 1]['title']}” is ready.", "info")
    return back


@bp.get("/issues/<int:number>/event-codes/<int:index>.png")
@access("editor")
def event_code_image(number: int, index: int):
    code = event_codes.get(get_redis(), number, index)
    if code is None:
        abort(404, "This event has no QR code yet.")
    headers = {"Cache-Control": "private, max-age=300"}
    if request.args.get("download"):
        name = f"issue-{number}-event-{index}-qrcode.png"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(event_codes.png(code["url"]), mimetype="image/png", headers=headers)
