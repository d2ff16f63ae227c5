"""custom API group (being written)."""
