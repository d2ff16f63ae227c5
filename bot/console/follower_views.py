"""Followers (counts over time, languages, reminders) and the menu (definition, diff, sync)."""

from __future__ import annotations

import json
import logging

from flask import current_app, flash, redirect, render_template, request, url_for

from bot.console import bp
from bot.console.auth_views import note
from bot.console.follower_stats import chart_points, follower_figures, reminder_figures
from bot.console.security import access
from bot.followers import directory
from bot.redisdb import get_redis

log = logging.getLogger(__name__)


def _listed(r, query: str, offset: int) -> tuple[directory.Page, str]:
    """A page of the follower list, names asked from WeChat when unknown (never fatal)."""
    from bot.wechat import get_client

    listed = directory.page(r, query, offset)
    try:
        directory.fill_missing_names(r, get_client(), listed.rows)
    except Exception as exc:  # the list still shows, with openids where names are missing
        log.warning("followers page: names not read from WeChat (%s)", type(exc).__name__)
        return listed, "WeChat did not answer for the followers' names; openids are shown."
    return listed, ""


def _account_tags() -> tuple[list[dict], str]:
    from bot.publishing import api

    try:
        return api.tags(), ""
    except Exception as exc:  # network or WeChat: the page still shows, with the reason
        return [], f"WeChat did not answer for the tags ({exc})."


@bp.get("/followers")
@access("editor")
def followers():
    r = get_redis()
    figures = follower_figures(r, current_app.extensions["settings"].tz)
    query = request.args.get("q", "")[:64]
    offset = request.args.get("offset", "0")
    listed, names_problem = _listed(r, query, int(offset) if offset.isdigit() else 0)
    tags, tags_problem = _account_tags()
    return render_template(
        "console/followers.html",
        figures=figures,
        chart=chart_points(figures["series"]),
        reminders=reminder_figures(r),
        listed=listed,
        tags=tags,
        problems=[p for p in (names_problem, tags_problem) if p],
    )


@bp.post("/followers/<openid>/name")
@access("editor")
def name_follower(openid: str):
    """Give a follower a name: their remark in WeChat (at most 30 characters), kept here too."""
    from bot.wechat import WeChatAPIError, get_client

    name = request.form.get("name", "").strip()
    back = url_for("console.followers", q=request.form.get("q", ""))
    if len(name) > 30:
        flash("A name is at most 30 characters (WeChat's limit for remarks).", "error")
        return redirect(back)
    try:
        get_client().user.update_remark(openid, name)
    except WeChatAPIError as exc:
        flash(f"WeChat refused the name: {exc.errmsg} ({exc.hint})", "error")
        return redirect(back)
    except Exception as exc:
        flash(f"WeChat could not be reached ({type(exc).__name__}); try again.", "error")
        return redirect(back)
    directory.remember_name(get_redis(), openid, name)
    note("named follower", f"{openid} as {name!r}" if name else f"{openid}: name removed")
    flash("The follower's name is saved, here and in WeChat.", "info")
    return redirect(back)


def _wechat_menu():
    """WeChat's current menu, or (None, a one-line reason) when it cannot be read."""
    from bot.wechat import WeChatAPIError, get_client

    try:
        answer = get_client().menu.get()
    except WeChatAPIError as exc:
        if exc.errcode == 46003:  # the account has no menu yet
            return None, ""
        return None, f"WeChat did not answer the menu query: {exc.errmsg} ({exc.hint})"
    except Exception as exc:  # network, configuration: shown, never raised to the page
        log.warning("menu/get failed: %s", type(exc).__name__)
        return None, f"WeChat could not be reached ({type(exc).__name__})."
    return (answer or {}).get("menu"), ""


@bp.get("/menu")
@access("editor")
def menu():
    from bot.followers import menu as menu_file

    try:
        wanted = menu_file.load()
    except menu_file.MenuError as exc:
        return render_template("console/menu.html", load_error=str(exc))
    errors, warnings = menu_file.check(wanted)
    # WeChat is asked only when staff ask for the comparison, not on every visit.
    compared = request.args.get("compare") == "1"
    current, problem = _wechat_menu() if compared else (None, "")
    return render_template(
        "console/menu.html",
        load_error="",
        lines=menu_file.describe(wanted),
        source=json.dumps(wanted, ensure_ascii=False, indent=2),
        errors=errors,
        warnings=warnings,
        diff=menu_file.diff(current, wanted) if compared and not problem else [],
        problem=problem,
        compared=compared,
    )


@bp.post("/menu/sync")
@access("publisher")
def sync_menu():
    from bot.followers import menu as menu_file
    from bot.wechat import WeChatAPIError, get_client

    try:
        wanted = menu_file.load()
    except menu_file.MenuError as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.menu"))
    errors, _ = menu_file.check(wanted)
    if errors:
        flash(f"The menu breaks {len(errors)} of WeChat's rules; nothing was sent.", "error")
        return redirect(url_for("console.menu"))
    try:
        get_client().menu.create(wanted)
    except WeChatAPIError as exc:
        note("menu sync failed", f"errcode {exc.errcode}")
        flash(f"WeChat refused the menu: {exc.errmsg} ({exc.hint})", "error")
        return redirect(url_for("console.menu"))
    except Exception as exc:
        flash(f"WeChat could not be reached ({type(exc).__name__}); try again.", "error")
        return redirect(url_for("console.menu"))
    note("synced menu", f"{len(wanted.get('button', []))} buttons")
    flash("The menu is sent to WeChat. Phones pick it up within about 5 minutes.", "info")
    return redirect(url_for("console.menu"))
