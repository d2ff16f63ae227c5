"""Pushes: schedule a publish or broadcast, follow its status, cancel or reschedule it."""

from __future__ import annotations

from flask import render_template

from bot.console import bp
from bot.console.security import access


@bp.get("/pushes")
@access("editor")
def pushes():
    return render_template("console/pushes.html", pushes=[])
