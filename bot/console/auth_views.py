"""Sign-in, sign-out, the staff member's own account and the audit log page."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from bot.console import accounts, audit, bp, signin_limits
from bot.console.security import access, safe_next
from bot.console.signin_limits import client_ip
from bot.redisdb import get_redis


def note(action: str, detail: str = "") -> None:
    """Record an action of the signed-in staff member in the audit log."""
    who = g.staff.name if g.get("staff") else "anonymous"
    audit.record(get_redis(), who, action, detail, client_ip())


@bp.route("/login", methods=["GET", "POST"])
@access("anonymous")
def login():
    """The sign-in form; its POST is counted by the limits of signin_limits before it gets here."""
    r = get_redis()
    if request.method == "GET":
        if g.staff:
            return redirect(safe_next(request.args.get("next")))
        return render_template("console/login.html", next=request.args.get("next", ""))
    name = signin_limits.submitted_name()
    staff = accounts.check_password(r, name, request.form.get("password", ""))
    if staff is None:
        audit.refused_sign_in(r, client_ip(), name)
        flash("Wrong name or password.", "error")
        return render_template("console/login.html", next=request.form.get("next", ""))
    signin_limits.signed_in()
    if g.staff:
        accounts.end_session(r, g.staff.sid)
    # A fresh session and CSRF token at sign-in, so nothing set before it carries over.
    session.clear()
    g.staff = staff = accounts.session_staff(r, accounts.start_session(r, staff.name))
    login_user(staff)
    note("signed in", f"role {staff.role}")
    return redirect(safe_next(request.form.get("next")))


@bp.post("/logout")
@access("editor")
def logout():
    note("signed out")
    accounts.end_session(get_redis(), g.staff.sid)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("console.login"))


@bp.route("/account", methods=["GET", "POST"])
@access("editor")
def account():
    r = get_redis()
    if request.method == "POST":
        try:
            if request.form.get("wechat") in ("bind", "unbind"):
                return _wechat_binding(r, request.form["wechat"])
            if request.form.get("new_password"):
                if not accounts.check_password(r, g.staff.name, request.form.get("password", "")):
                    flash("Your current password is wrong.", "error")
                    return render_template("console/account.html"), 400
                accounts.change_password(r, g.staff.name, request.form["new_password"])
                note("changed password")
                flash("Your password is changed.", "info")
        except accounts.AccountError as exc:
            flash(str(exc), "error")
            return render_template("console/account.html"), 400
        return redirect(url_for("console.account"))
    g.staff = accounts.get_staff(r, g.staff.name)
    from bot.console import wechat_binding

    return render_template(
        "console/account.html", bind_code=wechat_binding.live_code(r, g.staff.name)
    )


def _wechat_binding(r, action: str):
    """Show a one-time code to send from WeChat (binding proves the phone is theirs), or unbind."""
    from bot.console import wechat_binding

    if action == "unbind":
        wechat_binding.unbind(r, g.staff.name)
        note("unbound WeChat for previews")
        flash("Your WeChat no longer receives previews.", "info")
    else:
        wechat_binding.new_code(r, g.staff.name)
        note("asked for a WeChat binding code")
    return redirect(url_for("console.account"))


@bp.get("/audit")
@access("editor")
def audit_log():
    page = max(0, request.args.get("page", 0, type=int))
    r = get_redis()
    entries = audit.recent(r, limit=100, offset=page * 100)
    refused = audit.refusals(r) if page == 0 else []
    return render_template("console/audit.html", entries=entries, page=page, refused=refused)
