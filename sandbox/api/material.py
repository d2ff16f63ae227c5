"""material API group (being written)."""
