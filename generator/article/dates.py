"""Dates (part of the enrich stage): the dates an article file carries → the one it is filed under, and where
it came from. Pure: the same file gives the same date on any machine, on any day.

The first of these that holds a date between 1995 and 2100 wins:

1. the capture time of the seed header (`<!--EPOCH_MS-->`): the moment the capture was made;
2. the front matter's `date`;
3. the date the file name starts with (`2021-05-11-title.md`, as Jekyll names posts);
4. a date in the article's URL (`/2021/05/11/`, `/20210511/`, `-2021-05-11`; a year and month alone,
   `/2021/05/`, give the first of the month);
5. a date in the addresses of the article's images (`/wp-content/uploads/2021/05/`, `/now/2021-05-06/`):
   the latest one, as an article is not older than its pictures;
6. the body, read by htmldate (a library made for this; 1.3 ms a real article and ~50 MB of imports,
   so it is loaded only for the rare file that has no other date);
7. the file's modification time, when the caller knows it (a build does): what Pelican and Hugo fall back
   on too. Such an article keeps the date its first build gave it while its bytes stay the same (the cache
   is keyed by content).

The file name's date is Jekyll's `YYYY-MM-DD-` prefix, or the epoch milliseconds `import` names files by
(`1717807142000_….txt`).

A date without a time zone (a front matter date without offset, a file name, a URL) is in the site's time zone.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

DateSource = Literal["capture time", "front matter", "file name", "URL", "image path", "body", "file time"]
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_YEAR = r"(?:199[5-9]|20\d\d)"
# A full date: 2021-05-11, 2021/05/11, 2021_05_11, 20210511; not inside a longer number.
_FULL_DATE = re.compile(rf"(?<![0-9])({_YEAR})([-/_]?)(0[1-9]|1[0-2])\2(0[1-9]|[12][0-9]|3[01])(?![0-9])")
_MONTH_PATH = re.compile(rf"/({_YEAR})/(0[1-9]|1[0-2])(?:/|$)")  # /2021/05/ in a path
_FILE_DATE = re.compile(r"(?:^|/)(\d{4})-(\d\d)-(\d\d)-[^/]*$")
_FILE_EPOCH_MS = re.compile(r"(?:^|/)(\d{13})_[^/]*$")  # import's CAPTUREMS_HASH.txt
_IMAGE_SOURCE = re.compile(r"""<img\b[^>]*?\s(?:src|data-src|data-original|data-lazy-src)\s*=\s*["']?([^"'\s>]+)""",
                           re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DateFound:
    """The date an article is filed under."""

    moment: datetime  # aware, or naive = in the site's timezone
    source: DateSource  # where it was found


def _in_range(moment: datetime) -> bool:
    """A datetime (naive read as UTC, which is near enough for this test) → whether it is 1995..2099."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return EARLIEST <= aware < LATEST


def _day(year: str, month: str, day: str) -> datetime | None:
    """Year, month and day as digits → midnight of that day (naive), or None when there is no such day."""
    try:
        return datetime(int(year), int(month), int(day))
    except ValueError:  # 2021-02-30
        return None


def date_in_file_name(name: str) -> datetime | None:
    """An input file's relative name → the date its base name starts with (Jekyll's YYYY-MM-DD-title, or
    import's epoch milliseconds), else None."""
    match = _FILE_DATE.search(name)
    if match:
        return _day(*match.groups())
    stamped = _FILE_EPOCH_MS.search(name)
    return datetime.fromtimestamp(int(stamped.group(1)) / 1000, UTC) if stamped else None


def _dates_in(text: str) -> list[datetime]:
    """Text (a URL path) → the full dates in it, then the year-and-month ones (as the first of the month)."""
    full = [d for m in _FULL_DATE.finditer(text) if (d := _day(m.group(1), m.group(3), m.group(4)))]
    months = [d for m in _MONTH_PATH.finditer(text) if (d := _day(m.group(1), m.group(2), "1"))]
    return full + months


def date_in_url(url: str) -> datetime | None:
    """An article URL → the date its path (or query) holds, else None; a full date before a year and month."""
    after_host = url.split("//", 1)[-1].partition("/")[2]
    found = _dates_in("/" + after_host)
    return found[0] if found else None


def date_in_images(body_html: str) -> datetime | None:
    """Raw HTML → the latest date found in the addresses of its images, else None."""
    if "<img" not in body_html and "<IMG" not in body_html:
        return None
    found = [d for match in _IMAGE_SOURCE.finditer(body_html) for d in _dates_in(match.group(1))]
    return max(found) if found else None


def date_in_body(body_html: str) -> datetime | None:
    """Raw HTML → the publication date htmldate finds in it (midnight of that day), else None.

    The bounds are fixed, not htmldate's default of today, so the answer does not change with the day
    the build runs on.
    """
    if not body_html.strip():
        return None
    from htmldate import find_date  # ~50 MB and 0.1 s of imports, for the rare file that needs it

    logging.getLogger("htmldate").setLevel(logging.CRITICAL)  # its complaints about odd markup are not ours to print

    try:
        found = find_date(body_html, extensive_search=False, original_date=True, outputformat="%Y-%m-%d",
                          min_date=EARLIEST.date().isoformat(), max_date=date(2099, 12, 31).isoformat())
    except Exception:
        return None
    return datetime.fromisoformat(found) if found else None


def recover_date(captured: datetime | None, front_matter: datetime | None, file_name: str, url: str,
                 body_html: str, modified: datetime | None = None) -> DateFound | None:
    """The dates an article file carries (+ its modification time) → the one it is filed under and its source
    (None when it has none): capture time, front matter, file name, URL, image addresses, the body, then the
    file's time (see the module's docstring)."""
    candidates: tuple[tuple[DateSource, object], ...] = (
        ("capture time", captured),
        ("front matter", front_matter),
        ("file name", lambda: date_in_file_name(file_name)),
        ("URL", lambda: date_in_url(url) if url else None),
        ("image path", lambda: date_in_images(body_html)),
        ("body", lambda: date_in_body(body_html)),
        ("file time", modified),
    )
    for source, candidate in candidates:
        moment = candidate() if callable(candidate) else candidate
        if isinstance(moment, datetime) and _in_range(moment):
            return DateFound(moment, source)
    return None
