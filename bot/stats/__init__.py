"""Statistics: WeChat's figures of each broadcast and of follower growth, read by a beat job
(bot.stats.collect), kept under `stats:` keys (bot.stats.store) and shown by the console."""
