"""The articles' images, kept for good: `newsarchive media` downloads them into a content-addressed store,
and `build` shows the stored copies without touching the network (docs/media.md).

- addresses: which images a page shows, and where else the same image may be fetched (pure).
- images: downloaded bytes → verified, resized, re-encoded variants (Pillow).
- store: the files and the ledger (SQLite) of every address's outcome; the read-only view builds use.
- fetcher: the polite downloader (httpx, a thread pool, per-host limits, retries with backoff).
- command: `newsarchive media`, and what `import --media` runs.
- rewrite: a page's images pointed at the stored copies (render time).
"""
