"""`template/get_all_private_template`: the account's template messages (none here)."""

from __future__ import annotations

from sandbox.api.calls import bp, reply


@bp.route("/template/get_all_private_template", methods=["GET"])
def get_all_private_template():
    return reply(template_list=[])
