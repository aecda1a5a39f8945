"""Search stage: the written site → Pagefind's static index and UI in SITE/pagefind/ (runs after the writer).

Pagefind's extended build (PyPI `pagefind-bin-extended`: the binary ships inside the wheel and
never downloads anything) reads the article pages — only the element marked `data-pagefind-body`
— and writes an index that the search page (/search/) loads in the browser, so search needs no
server-side code and no network. Its output is deterministic: the same pages give the same files
(tested) — except Pagefind filters (`data-pagefind-filter`), whose values it writes in hash order,
so pages use none.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

BUNDLE = "pagefind"  # folder of the index and UI inside the site; search.html loads it from there


class SearchError(Exception):
    """The search index could not be built; the message says why and what to do."""


def pagefind_executable() -> Path:
    """→ path of the Pagefind binary shipped in the pagefind-bin-extended wheel, or SearchError."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError as error:
        raise SearchError("pagefind-bin-extended is not installed; install newsarchive again "
                          "(pip install -e .) or pip install pagefind-bin-extended") from error
    try:
        return get_executable()
    except FileNotFoundError as error:
        raise SearchError(f"the Pagefind binary is missing from pagefind-bin-extended: {error}") from error


def index_site(site_dir: Path, language: str) -> None:
    """Written site folder + site language (zh-CN, zh-TW, en) → SITE/pagefind/ replaced by a fresh index."""
    new, old, final = site_dir / ".pagefind-new", site_dir / ".pagefind-old", site_dir / BUNDLE
    for leftover in (new, old):  # from a build that was interrupted
        shutil.rmtree(leftover, ignore_errors=True)
    command = [
        str(pagefind_executable()), "--site", str(site_dir), "--output-path", str(new),
        # One index in the site's language, so a Chinese query also finds English articles and the
        # other way round; "zh" turns on Chinese word segmentation.
        "--force-language", language.split("-")[0],
        # Result links name index.html like every other link in the site.
        "--keep-index-url", "--silent",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(new, ignore_errors=True)
        raise SearchError(f"pagefind failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()}")
    # Swap folders, so the published index is never half-written.
    if final.exists():
        final.rename(old)
    new.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def refresh_index(site_dir: Path, language: str, pages_changed: bool) -> bool:
    """Site folder + language + whether the writer changed any file → True when the index was rebuilt.

    When no page changed the old index is still right, so it is kept (fast no-op rebuilds).
    """
    if pages_changed or not (site_dir / BUNDLE).is_dir():
        index_site(site_dir, language)
        return True
    return False
