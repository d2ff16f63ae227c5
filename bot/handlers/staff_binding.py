"""`BIND-XXXXXXXX`: a staff member proves this WeChat is theirs (see console/wechat_binding)."""

from __future__ import annotations

from bot.console import wechat_binding
from bot.followers import answers
from bot.followers.answers import intent


@intent("bind_staff")
def bind_staff_wechat(message, ctx):
    name = wechat_binding.bind(ctx.redis, ctx.intent.text, ctx.openid)
    if name is None:
        return answers.text(ctx, "staff_bind_unknown")
    return answers.text(ctx, "staff_bound", staff=name)
