"""The WeChat webhook at /wechat: verify, decrypt, parse, deduplicate, route, reply."""

from bot.webhook.views import bp

__all__ = ["bp"]
