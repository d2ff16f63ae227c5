"""tags API group (being written)."""
