"""Dates: a missing or broken capture time is a warning, and the date comes from the other dates a file
carries, in the documented order; the report says where (issue #28)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from generator.article.dates import date_in_body, date_in_file_name, date_in_images, date_in_url, recover_date
from generator.article.enrich import process_file
from generator.config import Config
from generator.models import Processed, Skipped

CONFIG = Config()  # Asia/Shanghai
BODY = "<p>俄罗斯总统普京将于本周访问朝鲜。</p>"


def seed(capture: str, url: str = "https://example.org/a/1.html", body: str = BODY) -> bytes:
    """A seed-format file with the given capture-time text."""
    return f"<!--{capture}-->\n[普京访问平壤]({url})\n------\n\n{body}\n".encode()


@pytest.mark.parametrize(("capture", "said"), [
    ("NaN", "the capture time 'NaN' is not a number"),
    ("", "the capture time is empty"),
    ("undefined", "the capture time 'undefined' is not a number"),
    ("99999999999999", "the capture time 99999999999999 is not a date between 1995 and 2100 in epoch milliseconds"),
    ("1", "the capture time 1 is not a date between 1995 and 2100 in epoch milliseconds"),
])
def test_a_broken_capture_time_is_a_warning_and_the_url_dates_the_article(capture: str, said: str) -> None:
    outcome, _ = process_file("a.txt", seed(capture, "https://example.org/2021/05/11/story.html"), "", CONFIG)
    assert isinstance(outcome, Processed)
    assert outcome.article.captured == datetime(2021, 5, 11, tzinfo=CONFIG.zone)
    assert outcome.article.date_source == "URL"
    [warning] = outcome.warnings
    assert warning.severity == "warning" and warning.line == 1
    assert warning.message == f"{said}; the article is dated 2021-05-11 00:00 from its URL"


def test_a_capture_time_in_seconds_is_read_as_such() -> None:
    outcome, _ = process_file("a.txt", seed("1717807142"), "", CONFIG)
    assert isinstance(outcome, Processed)
    assert outcome.article.captured == datetime.fromtimestamp(1717807142, UTC).astimezone(CONFIG.zone)
    assert outcome.article.date_source == "capture time"
    assert [w.severity for w in outcome.warnings] == ["warning"]


def test_the_file_name_dates_a_file_before_the_url_does() -> None:
    outcome, _ = process_file("posts/2020-02-03-story.txt", seed("NaN", "https://example.org/2021/05/11/x"), "",
                              CONFIG)
    assert isinstance(outcome, Processed)
    assert (outcome.article.captured.date().isoformat(), outcome.article.date_source) == ("2020-02-03", "file name")


def test_image_paths_date_a_file_with_no_other_date() -> None:
    body = ('<p>文</p><img src="https://x.org/wp-content/uploads/2019/12/a.png">'
            '<img src="https://img.allhistory.com/now/2021-05-06/b.png"><img data-src="https://x.org/2018/01/02/c.jpg">')
    outcome, _ = process_file("a.txt", seed("NaN", body=body), "", CONFIG)
    assert isinstance(outcome, Processed)
    assert (outcome.article.captured.date().isoformat(), outcome.article.date_source) == ("2021-05-06", "image path")


def test_the_body_dates_a_file_as_a_last_resort() -> None:
    body = '<p>文章</p><p class="date">Published: <time datetime="2019-03-04">March 4, 2019</time></p>'
    outcome, _ = process_file("a.txt", seed("NaN", body=body), "", CONFIG)
    assert isinstance(outcome, Processed)
    assert (outcome.article.captured.date().isoformat(), outcome.article.date_source) == ("2019-03-04", "body")


def test_a_file_with_no_date_anywhere_is_skipped_with_the_fix() -> None:
    outcome, content = process_file("a.txt", seed("NaN"), "", CONFIG)
    assert isinstance(outcome, Skipped) and content is None
    problem = outcome.problem
    assert (problem.line, problem.severity) == (1, "error")
    assert problem.message.startswith("the capture time 'NaN' is not a number, and no other date was found")
    assert "epoch milliseconds" in problem.hint and "2024-06-08-title.md" in problem.hint


def test_the_file_time_dates_a_file_with_no_other_date_with_a_warning() -> None:
    modified = datetime(2021, 5, 11, 1, 2, tzinfo=UTC)
    outcome, _ = process_file("a.txt", seed("NaN"), "", CONFIG, modified)
    assert isinstance(outcome, Processed)
    assert (outcome.article.captured, outcome.article.date_source) == (modified, "file time")
    [warning] = outcome.warnings
    assert warning.message == ("the capture time 'NaN' is not a number, and no other date was found; the article "
                               "is dated 2021-05-11 09:02 from the file's modification time")
    # any date the file carries comes first
    outcome, _ = process_file("a.txt", seed("1717807142000"), "", CONFIG, modified)
    assert isinstance(outcome, Processed) and outcome.article.date_source == "capture time" and not outcome.warnings


def test_imports_epoch_millisecond_file_names_are_dates() -> None:
    assert date_in_file_name("1717807142000_4b66f2138700fef5.txt") == datetime(2024, 6, 8, 0, 39, 2, tzinfo=UTC)
    outcome, _ = process_file("1717807142000_4b66f2138700fef5.txt", seed("NaN"), "", CONFIG)
    assert isinstance(outcome, Processed) and outcome.article.date_source == "file name"


def test_only_a_file_with_neither_title_nor_text_is_skipped() -> None:
    outcome, _ = process_file("a.txt", b"<!--1717807142000-->\n[](https://example.org/a)\n------\n\n<p> </p>\n", "",
                              CONFIG)
    assert isinstance(outcome, Skipped) and "neither a title nor any text" in outcome.problem.message
    outcome, _ = process_file("b.txt", b"<!--1717807142000-->\n[Title only](https://example.org/b)\n------\n", "",
                              CONFIG)
    assert isinstance(outcome, Processed)


@pytest.mark.parametrize(("url", "expected"), [
    ("https://x.org/2021/05/11/story/", datetime(2021, 5, 11)),
    ("https://cn.nytimes.com/world/20240618/russia-north-korea-putin-kim/", datetime(2024, 6, 18)),
    ("https://x.org/a/story-2023-09-13/7267756.html", datetime(2023, 9, 13)),
    ("https://x.org/2019/07/slug/", datetime(2019, 7, 1)),
    ("https://x.org/a/7647600.html", None),
    ("https://x.org/a/20241399/x", None),  # no such month
    ("https://2021.x.org/12345678901234/", None),
])
def test_dates_in_urls(url: str, expected: datetime | None) -> None:
    assert date_in_url(url) == expected


def test_dates_in_file_names() -> None:
    assert date_in_file_name("_posts/2021-05-11-title.md") == datetime(2021, 5, 11)
    assert date_in_file_name("2021-02-30-title.md") is None
    assert date_in_file_name("2021-05-11/notes.txt") is None


def test_the_latest_image_date_is_taken() -> None:
    html = '<img src="/u/2019/12/a.png"><IMG src="/now/2020-01-05/b.png"><p>2030-01-01</p>'
    assert date_in_images(html) == datetime(2020, 1, 5)
    assert date_in_images("<p>no images</p>") is None


def test_the_order_of_the_sources() -> None:
    capture = datetime(2024, 6, 8, tzinfo=UTC)
    posted = datetime(2023, 1, 2, 3, 4)
    url, name, body = "https://x.org/2022/02/02/a", "2021-01-01-a.md", '<img src="/2020/03/03/x.png">'
    assert recover_date(capture, posted, name, url, body).source == "capture time"
    assert recover_date(None, posted, name, url, body).source == "front matter"
    assert recover_date(None, None, name, url, body).source == "file name"
    assert recover_date(None, None, "a.md", url, body).source == "URL"
    assert recover_date(None, None, "a.md", "", body).source == "image path"
    assert recover_date(None, datetime(1970, 1, 1), "a.md", "", "") is None  # out of range counts for nothing


def test_the_body_date_does_not_depend_on_the_day_the_build_runs() -> None:
    # htmldate's default upper bound is today; a fixed one keeps a future-looking date the same every day
    assert date_in_body('<p>x</p><time datetime="2090-01-02">later</time>') == datetime(2090, 1, 2)
