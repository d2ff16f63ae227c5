"""The newsletter itself: issue model, importers, Redis store, rendering, covers."""
