"""`mmsp-bot run`: one command that starts the whole bot and supervises its processes."""
