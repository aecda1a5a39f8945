"""The search index: its shards planned from the archive, and Pagefind run over them."""
