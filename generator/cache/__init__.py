"""The article cache (SQLite), its codec, and gather: the per-file work, cached and in parallel."""
