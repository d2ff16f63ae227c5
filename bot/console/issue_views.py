"""Issues: the list, import with its report, the Markdown editor, versions and the difference."""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from bot.console import bp, drafts
from bot.console.auth_views import note
from bot.console.security import access
from bot.newsletter import store
from bot.newsletter.confined import Limits
from bot.newsletter.images import PhotoError
from bot.redisdb import get_redis

log = logging.getLogger(__name__)


def _issue_or_404(number: int, version: int | str | None = None):
    issue = store.get_issue(get_redis(), number, version)
    if issue is None:
        abort(404, f"There is no issue {number}" + (f" ({version} version)." if version else "."))
    return issue


def _versions(meta: dict) -> list[dict]:
    """The stored versions of an issue, newest first, with what each one is."""
    names = {meta.get(k): k for k in ("current", "previous", "pending") if meta.get(k)}
    return [
        {
            "version": k,
            "saved_at": meta.get(f"v{k}:saved_at"),
            "source": meta.get(f"v{k}:source", ""),
            "role": names.get(str(k), ""),
        }
        for k in range(int(meta.get("versions", 0)), 0, -1)
    ]


@bp.get("/")
@access("editor")
def issues():
    from bot.console import pushing

    r = get_redis()
    seen = pushing.publications(r)
    rows = []
    for summary in store.list_issues(r):
        meta = store.issue_meta(r, summary["number"])
        number = summary["number"]
        rows.append(
            {**summary, "meta": meta, "push": _push_state(number), "seen": seen.get(number, {})}
        )
    return render_template("console/issues.html", issues=rows)


def _push_state(number: int) -> str:
    """The latest push's state of an issue, as the publishing part reports it (or "")."""
    from bot.console import pushing

    return pushing.latest_state(get_redis(), number)


def _import_page(status: int = 200):
    max_mb = drafts.MAX_UPLOAD_BYTES // 1048576
    return render_template("console/import.html", max_mb=max_mb), status


@bp.get("/issues/import/template.md")
@access("editor")
def import_template():
    from bot.newsletter.issue_cli import MARKDOWN_TEMPLATE

    text = MARKDOWN_TEMPLATE.read_text(encoding="utf-8")
    return (
        text,
        200,
        {
            "Content-Type": "text/markdown; charset=utf-8",
            "Content-Disposition": 'attachment; filename="issue-template.md"',
        },
    )


@bp.route("/issues/import", methods=["GET", "POST"])
@access("editor")
def import_issue():
    if request.method == "GET":
        return _import_page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a PDF, Word, text, Markdown or .zip file to import.", "error")
        return _import_page(400)
    data = upload.stream.read(drafts.MAX_UPLOAD_BYTES + 1)
    try:
        limits = Limits.from_settings(current_app.extensions["settings"])
        issue, kind = drafts.parse_upload(upload.filename, data, limits)
    except drafts.ImportFailed as exc:
        note("import refused", f"{upload.filename}: {exc}")
        flash(f"{upload.filename} could not be imported: {exc}", "error")
        return _import_page(400)
    budget = current_app.extensions["settings"].ISSUE_PHOTO_BUDGET_MB * 1048576
    try:
        draft_id = drafts.save_draft(
            get_redis(), issue, upload.filename, kind, g.staff.name, budget
        )
    except PhotoError as exc:
        note("import refused", f"{upload.filename}: {exc}")
        flash(f"{upload.filename} could not be imported: {exc}", "error")
        return _import_page(400)
    note("imported (unconfirmed)", f"issue {issue.number} from {upload.filename}")
    return redirect(url_for("console.import_report", import_id=draft_id))


@bp.get("/imports/<import_id>")
@access("editor")
def import_report(import_id: str):
    r = get_redis()
    draft = drafts.get_draft(r, import_id)
    if draft is None:
        abort(404, "This import has expired or was already confirmed; import the file again.")
    current = store.get_issue(r, draft.issue.number)
    diff = drafts.unified_diff(current, draft.issue, "current", "this import") if current else []
    return render_template("console/import_report.html", draft=draft, current=current, diff=diff)


@bp.post("/imports/<import_id>/confirm")
@access("editor")
def confirm_import(import_id: str):
    r = get_redis()
    draft = drafts.take_draft(r, import_id)
    if draft is None:
        abort(404, "This import has expired or was already confirmed.")
    source = f"console {draft.kind} {draft.filename} by {g.staff.name}"
    result = store.save_issue(r, draft.issue, source=source)
    if result.status == "pending":
        store.confirm_issue(r, result.number)
    note("confirmed issue", f"issue {result.number} version {result.version} ({draft.filename})")
    flash(_stored_message(result.number, result.version), "info")
    return redirect(url_for("console.issue", number=result.number))


@bp.post("/imports/<import_id>/discard")
@access("editor")
def discard_import(import_id: str):
    draft = drafts.take_draft(get_redis(), import_id)
    if draft:
        note("discarded import", f"issue {draft.issue.number} from {draft.filename}")
    flash("The import was discarded; nothing was stored.", "info")
    return redirect(url_for("console.issues"))


@bp.get("/issues/<int:number>")
@access("editor")
def issue(number: int):
    from bot.console import pushing

    r = get_redis()
    current = _issue_or_404(number)
    meta = store.issue_meta(r, number)
    stale = pushing.stale_publication(r, number, int(meta.get("current") or 0))
    if stale:
        stale["changed"] = _changed_articles(number, stale["version"], current)
    return render_template(
        "console/issue.html",
        issue=current,
        meta=meta,
        versions=_versions(meta),
        push=_push_state(number),
        stale=stale,
    )


def _changed_articles(number: int, old_version: int, current) -> list[str]:
    """Titles of the articles whose text differs between an older version and the current one."""
    from bot.console import rendering

    old = store.get_issue(get_redis(), number, old_version)
    if old is None:
        return []
    before = {i: (a.title, a.content) for i, a in enumerate(rendering.render(old).articles)}
    now = rendering.render(current).articles
    return [a.title for i, a in enumerate(now) if before.get(i) != (a.title, a.content)]


def _stored_message(number: int, version: int) -> str:
    """What staff are told after a version becomes current (and what followers still read)."""
    from bot.console import pushing

    text = f"Issue {number} is stored (version {version}) and current."
    stale = pushing.stale_publication(get_redis(), number, version)
    if stale:
        text += (
            f" Followers' published articles keep the text of version {stale['version']}: "
            "WeChat does not change a published article. Publish a correction from the issue page."
        )
    return text


@bp.post("/issues/<int:number>/pending/confirm")
@access("editor")
def confirm_pending(number: int):
    try:
        version = store.confirm_issue(get_redis(), number)
    except store.StoreError as exc:
        abort(409, str(exc))
    note("confirmed issue", f"issue {number} pending version {version}")
    flash(_stored_message(number, version), "info")
    return redirect(url_for("console.issue", number=number))


@bp.post("/issues/<int:number>/pending/discard")
@access("editor")
def discard_pending(number: int):
    if store.discard_pending(get_redis(), number):
        note("discarded pending version", f"issue {number}")
        flash("The pending version is set aside; the current one stays.", "info")
    return redirect(url_for("console.issue", number=number))


@bp.route("/issues/<int:number>/edit", methods=["GET", "POST"])
@access("editor")
def edit_issue(number: int):
    current = _issue_or_404(number)
    if request.method == "GET":
        return render_template("console/edit.html", issue=current, text=drafts.to_markdown(current))
    text = request.form.get("markdown", "")
    try:
        edited = drafts.parse_markdown(text)
    except drafts.ImportFailed as exc:
        flash(f"The Markdown could not be read: {exc}", "error")
        return render_template("console/edit.html", issue=current, text=text), 400
    if edited.number != number:
        flash(f"The front matter says issue {edited.number}, not {number}.", "error")
        return render_template("console/edit.html", issue=current, text=text), 400
    draft_id = drafts.save_draft(get_redis(), edited, f"issue-{number}.md", "edit", g.staff.name)
    note("edited (unconfirmed)", f"issue {number}")
    return redirect(url_for("console.import_report", import_id=draft_id))


@bp.get("/issues/<int:number>/diff")
@access("editor")
def issue_diff(number: int):
    r = get_redis()
    meta = store.issue_meta(r, number)
    if not meta.get("current"):
        abort(404, f"There is no issue {number}.")
    # By default: what the newest change did (pending against current, else previous to current).
    if meta.get("pending"):
        old_v, new_v = meta["current"], meta["pending"]
    else:
        old_v, new_v = meta.get("previous") or meta["current"], meta["current"]
    old_v = request.args.get("old", old_v, type=int)
    new_v = request.args.get("new", new_v, type=int)
    old = store.get_issue(r, number, int(old_v))
    new = store.get_issue(r, number, int(new_v))
    if old is None or new is None:
        abort(404, "That version does not exist.")
    diff = drafts.unified_diff(old, new, f"version {old_v}", f"version {new_v}")
    return render_template(
        "console/diff.html",
        number=number,
        versions=_versions(meta),
        old_v=int(old_v),
        new_v=int(new_v),
        diff=diff,
        single=int(old_v) == int(new_v),
    )
