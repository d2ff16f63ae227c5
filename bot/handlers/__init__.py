"""Handlers that answer followers; each module registers its entries on bot.webhook.router.

Adding a module here is enough: load_all() imports every module of this package once.
"""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every handler module, so that their registrations are in the routing table, and
    load the search's dictionaries now rather than on a follower's first message."""
    from bot.newsletter import tokens

    tokens.warm()
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
