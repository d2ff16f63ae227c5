"""Followers of the account: records, language, keywords, the menu and reminders."""
