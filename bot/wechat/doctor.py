"""`mmsp-bot doctor`'s checks: can this server use the configured account the way the bot does?

Each check makes one harmless call (reads, or a send to nobody) and turns WeChat's answer into a
line: OK, or the problem and what to do. Any answer other than a permission refusal shows that
the API is open to the account (a probe to no one is refused for its arguments, not its rights).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot.wechat.errors import TOKEN_CODES, WeChatAPIError

# Answers that mean "this account may not call this API".
NOT_PERMITTED = frozenset({48001, 48004, 50001, 50002})
# An openid no account has: probes that need one are refused for it, never delivered.
NOBODY = "o" + "0" * 27
BEIJING = timezone(timedelta(hours=8))
_CALLER_IP = re.compile(r"invalid ip ([0-9A-Fa-f.:]+)")


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def _problem(exc: WeChatAPIError, what: str = "this API") -> str:
    """What a failed call means for the operator, and what to do."""
    if exc.errcode == 40164:
        found = _CALLER_IP.search(exc.errmsg or "")
        address = found.group(1) if found else "this server's outbound address"
        return (
            f"WeChat refused this server's address {address} (40164): add it to the IP whitelist "
            "in the platform (Settings and Development > Basic configuration > IP whitelist)"
        )
    if exc.errcode in NOT_PERMITTED:
        return (
            f"{what} not permitted ({exc.errcode}): the account needs WeChat verification (认证): "
            "Settings > WeChat verification in the platform"
        )
    code = "network error" if exc.errcode is None else f"errcode {exc.errcode}"
    return f"{code}: {exc.hint}"


def _probe(name: str, call: Callable[[], object], what: str) -> Check:
    """Call one API; refused for permission (or not answered at all) is a failure."""
    try:
        call()
    except WeChatAPIError as exc:
        answered = exc.errcode is not None and exc.errcode not in NOT_PERMITTED
        if answered and exc.errcode not in TOKEN_CODES and exc.errcode not in (-1, 45009, 45011):
            return Check(name, True, f"{what} open to the account")
        return Check(name, False, _problem(exc, what))
    return Check(name, True, f"{what} open to the account")


def _menu(client) -> Check:
    from bot.followers import menu as menu_file

    try:
        # wechatpy answers None for 46003 (no menu created through the API).
        current = (client.menu.get() or {}).get("menu")
    except WeChatAPIError as exc:
        return Check("menu", False, _problem(exc))
    if not current:
        return Check("menu", False, "the account has no menu: run `mmsp-bot menu sync`")
    changes = menu_file.diff(current, menu_file.load())
    if changes:
        return Check(
            "menu", False, "WeChat's menu differs from config/menu.json: run `mmsp-bot menu sync`"
        )
    return Check("menu", True, "WeChat's menu is config/menu.json")


# The calls a push and the reminders need, whose daily limits doctor reports.
QUOTA_APIS = ("draft/add", "freepublish/submit", "message/mass/sendall", "message/custom/send")


def _api_quota(client) -> Check:
    """What is left of today's call quota of the APIs a push spends."""
    name = "API calls left today"
    left, spent = [], []
    for api in QUOTA_APIS:
        try:
            quota = client.openapi.get_quota(f"/cgi-bin/{api}")
        except WeChatAPIError as exc:
            return Check(name, False, f"{api}: {_problem(exc)}")
        left.append(f"{api} {quota['remain']} of {quota['daily_limit']}")
        if not quota["remain"]:
            spent.append(api)
    if spent:
        return Check(
            name,
            False,
            f"{', '.join(spent)} used up today: wait for the next day (Beijing time) or clear "
            "the quota in the platform (clear_quota, 10 times a month)",
        )
    return Check(name, True, ", ".join(left))


def _quota(r) -> Check:
    from bot.publishing.api import quota_now

    return Check("mass-send quota", True, quota_now(r)["text"])


def account_checks(client) -> list[Check]:
    """The token first: without one nothing else can be checked."""
    try:
        client.access_token  # noqa: B018 - fetching it is the check
    except WeChatAPIError as exc:
        return [Check("access token", False, _problem(exc))]
    return [Check("access token", True, f"fetched with stable_token from {client.API_BASE_URL}")]


def api_checks(client) -> list[Check]:
    """Each API group the bot uses, by one harmless call."""
    yesterday = datetime.now(BEIJING).date() - timedelta(days=1)
    return [
        _probe("drafts", client.draft.count, "the draft box (draft/*)"),
        _probe("images and covers", client.material.get_count, "material/*"),
        _probe(
            "publishing",
            lambda: client.freepublish.batchget(0, 1, no_content=1),
            "publishing (freepublish/*)",
        ),
        _probe("mass sends", lambda: client.mass.get(0), "mass sends (message/mass/*)"),
        _probe(
            "customer-service messages",
            client.customservice.get_accounts,
            "customer-service messages (reminders, slow answers)",
        ),
        _probe("followers", lambda: client.user.get(NOBODY), "user information (user/*)"),
        _probe("tags", client.tag.get, "follower tags (tags/*)"),
        _probe(
            "statistics",
            lambda: client.datacube.get_user_summary(yesterday, yesterday),
            "statistics (datacube/*)",
        ),
    ]


def run_checks(client, r) -> list[Check]:
    """Every check, in order; after a failed token the rest are not tried."""
    checks = account_checks(client)
    if not checks[-1].ok:
        return checks
    return [*checks, *api_checks(client), _menu(client), _api_quota(client), _quota(r)]
