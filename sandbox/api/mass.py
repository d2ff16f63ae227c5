"""mass API group (being written)."""
