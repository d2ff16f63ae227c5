"""user API group (being written)."""
