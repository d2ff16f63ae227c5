"""`draft/add|get|update|delete|batchget|count`: the draft box with WeChat's field checks."""

from __future__ import annotations

from sandbox.api import bp, ok, state


@bp.route("/draft/count", methods=["GET"])
def draft_count():
    return ok(total_count=len(state().all("drafts")))
