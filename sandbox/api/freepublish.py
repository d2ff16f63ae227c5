"""freepublish API group (being written)."""
