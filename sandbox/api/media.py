"""media API group (being written)."""
