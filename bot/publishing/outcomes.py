"""What a failed push means for staff: WeChat's mass-send outcomes and errcodes, as hints."""

from __future__ import annotations

from bot.wechat import hint_for

# MASSSENDJOBFINISH Status values other than "send success", as WeChat's mass-send page lists
# them: err(1xxxx-2xxxx) the content review, err(3xxxx) the originality check, err(4xxxx) the
# API mass-send protection.
_REVIEW = {
    "10001": "advertising",
    "20001": "politics",
    "20002": "pornography",
    "20004": "social issues",
    "20006": "illegal activity",
    "20008": "fraud",
    "20013": "copyright",
    "21000": "other reasons",
    "22000": "promoting other accounts",
}
_MASS_OUTCOMES = {
    "send fail": "WeChat could not send it. If the account has API mass-send protection on, a "
    "send to all followers also fails this way when no administrator confirmed it; see the "
    "mass-send records in the MP console, then push again with --again.",
    "err(30001)": "WeChat's originality check had a system error and the send stopped (the bot "
    "does not send what may be judged a reprint): push again with --again later.",
    "err(30002)": "WeChat's originality check judged the articles may not be sent: check their "
    "originality settings in the MP console.",
    "err(30003)": "WeChat's originality check judged the articles a reprint, and the bot does not "
    "send reprints: mark them original or allowed in the MP console, then push again.",
    "err(40001)": "An administrator refused the send in WeChat (API mass-send protection): push "
    "again with --again once it is agreed.",
    "err(40002)": "No administrator confirmed the send in WeChat within 30 minutes (API mass-send "
    "protection): push again with --again and confirm it, or turn the protection off "
    "(Settings > Security centre > Risky operation protection).",
}


def mass_outcome_hint(status: str) -> str:
    """What to do after a mass send ended with `status` (anything but success)."""
    if status in _MASS_OUTCOMES:
        return _MASS_OUTCOMES[status]
    code = status[4:-1] if status.startswith("err(") and status.endswith(")") else ""
    if code in _REVIEW:
        return (
            f"WeChat's review stopped the send as suspected {_REVIEW[code]}: edit the issue and "
            "push again with --again."
        )
    return "See the mass-send records in the MP console for WeChat's reason."


def mass_outcome_meaning(status: str) -> str:
    """One line for the push's errmsg."""
    return f"the mass send ended with {status}"


def push_hint(errcode, step: str, api: str = "") -> str:
    """The hint of a WeChat errcode in the step of a push that hit it."""
    if errcode == 48001 and (step == "publish" or api.startswith("freepublish")):
        return (
            "WeChat refuses publishing to this account: since July 2025 freepublish is withdrawn "
            "from personal accounts and unverified organisation accounts. Verify the account, "
            "or broadcast instead (a mass send also publishes)."
        )
    if errcode == 48001:
        return (
            "The account lacks permission for this API: mass sends and material need a "
            "verified account (check the interface permissions in the MP console)."
        )
    return _HINTS.get(errcode) or hint_for(errcode)


_HINTS = {
    40007: "WeChat no longer knows a media id of this push (a cover or material deleted in the "
    "MP console); the bot uploaded it again once and it still failed: push again.",
    40012: "A cover image is not accepted as the article's cover: use a JPG or PNG cover.",
    45166: "WeChat refused the article's content as invalid: remove unusual markup (scripts, "
    "forms, embedded media) from the issue and push again.",
    45062: "The account has an advertising agreement, so WeChat takes mass sends only from the "
    "MP console: send it there, or publish without a broadcast.",
}


def quota_hint(next_free: str) -> str:
    """45028 at send time: WeChat counted sends the bot cannot see."""
    return (
        "WeChat has no mass-send quota left for this account now. Sends made in WeChat's own "
        "web console (mp.weixin.qq.com) use the same quota and are invisible to the bot. "
        f"The next free slot is {next_free}: schedule the broadcast then, or publish without "
        "a broadcast."
    )


def failed_id_hint() -> str:
    """45065 for a clientmsgid whose send the bot knows failed."""
    return (
        "WeChat still holds this broadcast's id from an earlier send that failed (it keeps ids "
        "for 24 hours, failed sends included): push again with --again, which uses a new id."
    )
