"""Followers (counts over time, languages, reminders) and the menu (definition, diff, sync)."""

from __future__ import annotations

from flask import render_template

from bot.console import bp
from bot.console.security import access


@bp.get("/followers")
@access("editor")
def followers():
    return render_template("console/followers.html")


@bp.get("/menu")
@access("editor")
def menu():
    return render_template("console/menu.html")
