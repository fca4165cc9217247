"""Certified optima of the red-blue pebble game: a record table whose every entry is replayed."""
