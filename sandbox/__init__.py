"""A local WeChat platform (API, followers, webhook delivery), not imported by the bot."""
