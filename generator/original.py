"""The way back to an article's original: its own URL, and the Internet Archive's copy of it.

One function builds the Internet Archive address, so it can move to the project's single source of
URLs (generator/paths.py) as it is.
"""

from __future__ import annotations

from datetime import UTC, datetime

WAYBACK = "https://web.archive.org/web/"


def wayback_url(original_url: str, captured: datetime) -> str:
    """An article's original URL + its capture time → the Internet Archive's copy of it nearest that time
    (https://web.archive.org/web/YYYYMMDDhhmmss/URL, the time in UTC); '' when there is no URL."""
    if not original_url:
        return ""
    return f"{WAYBACK}{captured.astimezone(UTC):%Y%m%d%H%M%S}/{original_url}"
