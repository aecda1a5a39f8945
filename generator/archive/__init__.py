"""The whole archive: every Article → the frozen Archive (duplicates merged, months, publishers, tags
scored across the archive)."""
