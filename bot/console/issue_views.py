"""Issues: the list, import with its report, the Markdown editor, versions and the difference."""

from __future__ import annotations

from flask import render_template

from bot.console import bp
from bot.console.security import access


@bp.get("/")
@access("editor")
def issues():
    return render_template("console/issues.html", issues=[])
