"""Render stage: Archive + Config → the site's HTML, Markdown, sitemap and static files as PlannedFiles.

Each page comes with a fingerprint of everything it is made from and renders only when asked,
so a rebuild renders just the pages whose inputs changed. Pages are produced one at a time (a
generator) and an article's body is loaded from the content store only while its page renders,
so neither the site nor the bodies ever sit in memory all at once.
"""

from __future__ import annotations

import functools
import html
import itertools
import json
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from generator import __version__
from generator.config import Config
from generator.errors import TemplateError
from generator.media.rewrite import Variants, rewrite_html, rewrite_markdown
from generator.media.store import MediaIndex
from generator.models import Archive, Article, Content, Month
from generator.output.plan import PlannedFile, PlannedGroup, PlannedLink
from generator.paths import (
    ARCHIVE,
    FEED,
    NOT_FOUND,
    ROBOTS,
    SEARCH,
    SEARCH_BUNDLE,
    SITEMAP,
    SOURCES,
    TAGS,
    absolute_url,
    article_media_file,
    article_media_link,
    day_folder,
    feed_file,
    json_feed_file,
    links_from,
    markdown_file,
    page_file,
    sitemap_articles_file,
    sitemap_pages_file,
    static_file,
    stored_media_url,
    wayback_url,
)
from generator.search.shards import Shard, capture_day, pages_folder
from generator.site import copies, taxonomy
from generator.site.feeds import EntryStore, has_feed, kept_entries, listing_feed_spec, planned_feed, render_feeds
from generator.site.fingerprint import Marks, bytes_fingerprint, fingerprint, text_digest
from generator.site.i18n import STRINGS, format_day, format_time, month_title
from generator.site.planning import Contents, Html, Lazy, Page
from generator.sourcecode import code_fingerprint, folder_fingerprint


class ContentStore(EntryStore, Protocol):
    """Where the renderer loads articles' Content from, and keeps feed entries in (generator.cache.store.Cache)."""

    def content(self, key: str, search_text: bool = True) -> Content:
        """Article content key → its Content (search_text False: without its search text)."""

    def html(self, key: str) -> str:
        """Article content key → its Content's HTML alone."""


SITEMAP_MAX_URLS = 50_000
# The modules that make pages, feeds and the search index; with what they import, their code is part of
# every page's fingerprint. The writer is left out: it copies the bytes it is given.
PAGE_MODULES = ("site.render", "site.feeds", "site.jsonfeed", "site.taxonomy", "search.shards")
PAGE_LIBRARIES = ("jinja2", "markupsafe", "feedgen", "lxml")
TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"  # the built-in templates, shipped in the package


def page_code() -> str:
    """→ the fingerprint of the code (and libraries, and Python) that makes pages, feeds and the search index."""
    return code_fingerprint(PAGE_MODULES, PAGE_LIBRARIES, leave_out=("output.writer",))


def site_fingerprint(config: Config, templates_dir: Path = TEMPLATES_DIR) -> str:
    """Config + templates folder → what every page depends on: the code, the templates and assets, the config."""
    return f"{page_code()}:{folder_fingerprint(templates_dir)}:{config!r}"


def _unlinked(make: Callable[[str], Any], key: str, url: Callable[[str], str]) -> Any:
    """A lazy value that needs no links: a function + its key (+ the page's url(), unused) → make(key)."""
    return make(key)


def _with_contents(content: Callable[[Article, Callable[[str], str]], Content], articles: Sequence[Article],
                   url: Callable[[str], str]) -> Iterator[tuple[Article, Content]]:
    """A lazy value: a way to load an article's Content as a page shows it + articles + the page's url() →
    (article, its Content) one at a time, so a month's Markdown copy never holds its articles' bodies all at once."""
    return ((article, content(article, url)) for article in articles)


def compiled_templates(folder: Path, code: str) -> jinja2.BytecodeCache:
    """A folder + the fingerprint of the page code → a cache of compiled templates kept there (those of other
    code removed): a rebuild that renders a few pages compiled a dozen templates first, 0.07 s.

    Jinja checks a template's source, not the environment's options or its own version, so the
    files are named after the code fingerprint, which covers those (render.py, the libraries, Python).
    """
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.cache"):
        if not stale.name.startswith(f"{code}-"):
            stale.unlink(missing_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder), f"{code}-%s.cache")


def make_environment(templates_dir: Path = TEMPLATES_DIR, compiled: jinja2.BytecodeCache | None = None,
                     ) -> jinja2.Environment:
    """Templates folder (+ a cache of compiled templates) → a Jinja environment: autoescaped, strict about
    undefined names."""
    env = jinja2.Environment(
        bytecode_cache=compiled,
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # A build renders from templates that do not change under it; checking each one's mtime on
        # every page was 2% of rendering.
        auto_reload=False,
    )
    # YAML front matter: a JSON string is a valid YAML scalar; keep the characters readable.
    env.filters["yaml"] = lambda value: json.dumps(value, ensure_ascii=False)
    # Markdown text outside the body (titles): no raw HTML may pass through a Markdown renderer.
    env.filters["md_text"] = lambda text: html.escape(text, quote=False)
    return env


def template_error(template: str, page: str, error: jinja2.TemplateError) -> TemplateError:
    """The template a page was rendered from + the page + Jinja's error → a TemplateError naming the template
    file and line where it failed (Jinja puts templates' lines into the traceback it raises)."""
    where, line = getattr(error, "filename", None) or template, getattr(error, "lineno", None)
    if line is None:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.endswith(".py")]
        if frames:
            where, line = frames[-1].filename, frames[-1].lineno
    name = Path(where).name if where else template
    at = f"{name}, line {line}" if line else name
    return TemplateError(f"template {at} (rendering {page}): {type(error).__name__}: {error.message or error}. "
                         "Fix: correct the template there")


# og:locale for each article language (OpenGraph wants language_TERRITORY).
OG_LOCALES = {"zh-Hans": "zh_CN", "zh-Hant": "zh_TW", "en": "en_US"}
# Characters that could end a <script> element or an HTML comment, or end a line in old JS parsers;
# JSON allows every one of them as a \u escape, so the data stays the same.
_JSON_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                        ("\u2029", "\\u2029"))


def script_json(data: Any) -> Markup:
    """Any JSON-able value → JSON text safe to place raw inside a <script> element (no `</script>` break-out)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # One str.replace per character: str.translate took 36 µs on an article's JSON-LD in Chinese, this 1.3.
    for character, escape in _JSON_SCRIPT_ESCAPES:
        text = text.replace(character, escape)
    # Markup: escaped above for a script element's content, where HTML escaping would be wrong.
    return Markup(text)


def article_json_ld(article: Article, canonical: str, image: str = "") -> dict[str, Any]:
    """An article + its page's absolute URL (+ its lead image's URL, when not the original's) → schema.org
    NewsArticle data."""
    outlet: dict[str, Any] = {"@type": "NewsOrganization", "name": article.outlet.name}
    parts = urlsplit(article.url)
    if parts.scheme in ("http", "https") and parts.netloc and article.via is None:  # else the URL is the aggregator's
        outlet["url"] = f"{parts.scheme}://{parts.netloc}/"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "inLanguage": article.lang,
        "datePublished": (article.published or article.captured).isoformat(),
        "author": {"@type": "Person", "name": article.author} if article.author else outlet,
        "publisher": outlet,
        # This page is an archived copy: its own URL here, the original under isBasedOn.
        "url": canonical,
        "mainEntityOfPage": canonical,
    }
    if article.summary:
        data["description"] = article.summary
    if article.lead_image:
        data["image"] = [image or article.lead_image.src]
    if article.url:
        data["isBasedOn"] = {"@type": "NewsArticle", "url": article.url, "headline": article.title,
                             "publisher": outlet}
    if article.tags:
        data["keywords"] = list(article.tags)
    return data


def month_link(month: Month | None) -> Month | None:
    """A month (or None) → the same month without its articles: what a page that only links to it
    shows, and so all its fingerprint needs to cover."""
    return None if month is None else Month(month.year, month.month, ())


# One line of a timeline: lang, capture time (ISO 8601), "HH:MM", link, title, publisher, summary,
# [(tag, link)] of the tags that have a page.
TimelineRow = tuple[str, str, str, str, str, str, str, list[tuple[str, str]]]


def timeline_days(articles: Sequence[Article], tag_links: Callable[..., list[tuple[str, str]]],
                  url: Callable[[str], str]) -> list[tuple[date, list[TimelineRow]]]:
    """Articles newest first + the site's tag_links + a page's url() → [(day, what each of its lines shows)],
    newest day first.

    The values are looked up here, not in the template: Jinja's attribute lookups and calls (and a
    macro call per line) took four times as long, and a month page holds thousands of lines.
    """
    days = []
    for day, group in itertools.groupby(articles, key=lambda a: a.captured.date()):
        rows = []
        for article in group:
            captured = article.captured
            tags = [(name, url(path)) for name, path in tag_links(article.tags, True)]
            rows.append((article.lang, captured.isoformat(), f"{captured.hour:02d}:{captured.minute:02d}",
                         url(article.path), article.title, article.outlet.name, article.summary, tags))
        days.append((day, rows))
    return days


def day_runs(articles: tuple[Article, ...], start: int, end: int) -> list[tuple[str, int, int]] | None:
    """The archive's articles + one month's slice of them → (day folder, start, end) of each day's run, or
    None when a day's articles are not in one run (a clock set back across midnight), as then
    only the month's folder holds them apart from other days."""
    runs: list[tuple[str, int, int]] = []
    first = start
    for _, run in itertools.groupby(articles[start:end], key=capture_day):
        last = first + sum(1 for _ in run)
        runs.append((day_folder(articles[first].path), first, last))
        first = last
    return runs if len({day for day, _, _ in runs}) == len(runs) else None


def article_marks(archive: Archive) -> Marks:
    """Archive → each article's mark (by id), what identifies it in fingerprints: a digest of its content
    key plus what the archive added (the captures merged into it, its path, tags, the pages of its tags and
    of its publisher).

    A digest, because listings and feeds hand over the same article again and again: full marks
    made 500 MB of text to hash in a 100,000-article rebuild. None (no neighbour) has a mark too,
    its repr, so runs of articles with gaps are fingerprinted in one C loop like runs without.
    """
    tags = defaultdict(str, taxonomy.tag_paths(archive))  # "" for a tag without a page
    sources = defaultdict(str, taxonomy.source_paths(archive))

    def mark(article: Article) -> str:
        names = article.tags
        return text_digest("\x1e".join((article.content_key, article.merged_from, article.path, *names,
                                        *map(tags.__getitem__, names), sources[article.outlet.key],
                                        sources[article.via.key] if article.via else "")))

    marks: Marks = dict(zip(map(id, archive.articles), map(mark, archive.articles), strict=True))
    marks[id(None)] = repr(None)
    return marks


class SiteRenderer:
    """Renders every page of one archive; holds only the environment and shared template values."""

    def __init__(self, archive: Archive, config: Config, store: ContentStore, shards: tuple[Shard, ...],
                 templates_dir: Path = TEMPLATES_DIR, compiled_dir: Path | None = None,
                 media: MediaIndex | None = None):
        self.archive = archive
        self.config = config
        # The media store, when pages show its copies of their images (None: every image keeps its address).
        self.media = media if config.media.publish == "local" else None
        # An article's page and its Markdown copy are rendered one after the other from one Content:
        # loaded (and decompressed, but for the search text pages do not show) once.
        self.contents: Contents = functools.lru_cache(maxsize=2)(functools.partial(store.content, search_text=False))
        self.html: Html = store.html  # a feed entry's content
        self.templates_dir = templates_dir
        self.site_fingerprint = site_fingerprint(config, templates_dir)
        compiled = None if compiled_dir is None else compiled_templates(compiled_dir, page_code())
        self.env = make_environment(templates_dir, compiled)
        lang = config.language
        self.env.filters["day"] = lambda moment: format_day(moment, lang)
        self.env.filters["datetime"] = lambda moment: format_time(moment, lang)
        self.shared = {
            "site": config,
            # The site's fixed places, for links in templates (generator.paths is their one source).
            "paths": {"archive": ARCHIVE, "tags": TAGS, "sources": SOURCES, "search": SEARCH, "feed": FEED,
                      "json_feed": json_feed_file(FEED), "static": static_file, "search_bundle": SEARCH_BUNDLE},
            "t": STRINGS[lang],
            # The script of the site's language, to tell which articles need their own lang.
            "site_script": {"zh-CN": "zh-Hans", "zh-TW": "zh-Hant", "en": "en"}[lang],
            "version": __version__,
            # A short hash of the static assets, so browsers refetch them when they change.
            "asset_version": folder_fingerprint(templates_dir / "static")[:10],
            "month_title": lambda year, month: month_title(year, month, lang),
            "absolute": lambda path: absolute_url(config.base_url, path),
            "og_locales": OG_LOCALES,
            "json_ld": lambda article, canonical, image="": script_json(article_json_ld(article, canonical, image)),
            "wayback": lambda article: wayback_url(article.url, article.captured),
            **taxonomy.template_globals(archive),  # tag_links, source_path
        }
        # Parts of the search index (search.plan_shards; the build plans them first, to start indexing sooner).
        self.shards = shards
        self.marks = article_marks(archive)
        # Each month's Markdown copy in parts, and the file holding each article's copy by id() like the marks.
        self.markdown_parts = copies.archive_parts(archive, config.markdown_copies)
        self.markdown = copies.markdown_paths(archive, config.markdown_copies, self.markdown_parts)
        self.kept_entries = kept_entries(archive, self.marks, self.site_fingerprint, store)  # feed entries

    def plan(self, kind: str, path: str, values: dict[str, Any], make: Callable[[], bytes]) -> PlannedFile:
        """Kind of file + its path + the values it is made from + a function making it → the planned file."""
        return PlannedFile(path, fingerprint(self.site_fingerprint, f"{kind}\0{path}", values, self.marks), make)

    def page(self, template: str, file: str, canonical_path: str,
             lazy: dict[str, Lazy] | None = None, **values: Any) -> Page:
        """One template + its values (+ values made only when rendering, from the page's url()) → the planned page.

        Only `values` are fingerprinted, so a lazy value must follow from them: an article's content
        (its content key is in its mark), or a grouping of articles that are among the values.
        """

        def render() -> bytes:
            # url(target): a link relative to this page (the 404 page, served at any depth, brings its own).
            url = links_from(file)
            loaded = {name: load(url) for name, load in (lazy or {}).items()}
            try:
                html = self.env.get_template(template).render(
                    {**self.shared, "url": url, **values, **loaded,
                     "canonical": absolute_url(self.config.base_url, canonical_path)})
            except jinja2.TemplateError as error:
                raise template_error(template, file, error) from None
            return html.encode("utf-8")

        return self.plan(f"{template}\0{canonical_path}", file, values, render)

    def timeline(self, articles: Sequence[Article]) -> Lazy:
        """Articles newest first → the lazy value of a page's timeline of them (timeline_days)."""
        return functools.partial(timeline_days, articles, self.shared["tag_links"])

    def front_page(self) -> Page:
        """The timeline: the newest articles grouped by day."""
        latest = self.archive.articles[: self.config.front_page_articles]
        older_month = None
        if len(self.archive.articles) > len(latest) and latest:
            last = latest[-1].captured
            older_month = next((m for m in self.archive.months if (m.year, m.month) <= (last.year, last.month)), None)
        return self.page("index.html", page_file(""), "", lazy={"days": self.timeline(latest)},
                         latest=latest, older_month=month_link(older_month), total=len(self.archive.articles))

    def archive_index(self) -> Page:
        """/archive/: every year with its months, counts and a bar chart."""
        years: dict[int, dict[int, taxonomy.Counted]] = {}
        for month in self.archive.months:
            years.setdefault(month.year, {})[month.month] = taxonomy.Counted(month.path, "", len(month.articles))
        busiest = max((len(m.articles) for m in self.archive.months), default=1)
        return self.page("archive.html", page_file(ARCHIVE), ARCHIVE,
                         years=sorted(years.items(), reverse=True), busiest=busiest)

    def month_pages(self) -> Iterator[Page]:
        """One page per month, linked to the months before and after it and to its Markdown copy."""
        months = self.archive.months
        for i, month in enumerate(months):
            newer = months[i - 1] if i > 0 else None
            older = months[i + 1] if i + 1 < len(months) else None
            parts = self.markdown_parts.get(month.path, [])
            yield self.page("month.html", page_file(month.path), month.path,
                            lazy={"days": self.timeline(month.articles)},
                            month=month, newer=month_link(newer), older=month_link(older),
                            markdown=[path for path, _ in reversed(parts)])

    def month_copies(self, month: Month) -> Iterator[Page]:
        """A month → its Markdown copy beside its page (markdown_copies "month"), in parts past
        copies.PART_ARTICLES articles; planned with the month's article pages (build.site_files), whose
        bodies they load too."""
        for path, part in self.markdown_parts.get(month.path, []):
            # The digests of the articles' stored images ('' without: a store appearing changes only the
            # copies whose articles have images, as it does the article pages).
            yield self.page("month.md", path, month.path,
                            lazy={"copies": functools.partial(_with_contents, self.copy_content, part)},
                            articles=part, media=list(map(self.media_digest, part)))

    def copy_content(self, article: Article, url: Callable[[str], str]) -> Content:
        """An article + the url() of the month's copy it is in → its Content as that copy shows it: its stored
        images linked from there (beside the article's page, or under media_base_url)."""
        content = self.contents(article.content_key)
        images = self.media.images(article.source_file) if self.media_digest(article) and self.media else {}
        if not images:
            return content
        base = self.config.media.media_base_url

        def link(name: str) -> str:
            return stored_media_url(base, name) if base else url(article_media_file(article.path, name))

        return Content(content.html, rewrite_markdown(content.markdown, images, link), content.search_text)

    def same_source_neighbours(self) -> dict[int, tuple[Article | None, Article | None]]:
        """Archive → {id() of each article: (newer, older) article from the same publisher}.

        By identity, like the marks: hashing 100,000 paths took twice as long, building and reading.
        """
        neighbours: dict[int, tuple[Article | None, Article | None]] = {}
        for index in self.archive.outlets:
            arts = index.articles
            if index.republished:  # an aggregator's: its neighbours among its own articles only
                arts = tuple(article for article in arts if article.outlet.key == index.outlet.key)
                if not arts:
                    continue
            pairs = zip((None, *arts[:-1]), (*arts[1:], None), strict=True)  # (newer, older) of each
            neighbours.update(zip(map(id, arts), pairs, strict=True))
        return neighbours

    def article_pages(self) -> Iterator[tuple[str, list[PlannedGroup]]]:
        """Each month's folder of article pages (each article's page, and its Markdown copy when
        markdown_copies is "article") with its groups, one per day, newest first; a month's pages are
        to be taken before the next month's.

        A group per day, not per month: a new article re-plans the pages of its own day (and of the
        days of the neighbours whose links it changes), not the ~6,000 files of its month.
        """
        articles = self.archive.articles
        same_source = self.same_source_neighbours()
        markdown = self.markdown
        beside = self.config.markdown_copies == "article"

        def pages(start: int, end: int) -> Iterator[Page]:
            for i in range(start, end):
                article = articles[i]
                newer = articles[i - 1] if i > 0 else None
                older = articles[i + 1] if i + 1 < len(articles) else None
                source_newer, source_older = same_source[id(article)]
                media = self.media_digest(article)
                images = self.media.images(article.source_file) if media and self.media else {}
                content = {"content": functools.partial(_unlinked, self.contents, article.content_key)}
                if images:
                    content = {"content": functools.partial(self.local_content, article.content_key, images)}
                yield self.page("article.html", page_file(article.path), article.path, lazy=content,
                                article=article, newer=newer, older=older,
                                source_newer=source_newer, source_older=source_older, media=media,
                                lead_image_src=self.lead_image_src(article, images),
                                markdown=markdown.get(id(article), ""))
                if beside:
                    yield self.page("article.md", markdown_file(article.path), article.path, lazy=content,
                                    article=article, media=media)
                if self.media is not None and not self.config.media.media_base_url:
                    for name in sorted({str(name) for variants in images.values() for name, _, _ in variants}):
                        yield PlannedLink(article_media_file(article.path, name), name, self.media.file(name))

        def group(folder: str, start: int, end: int) -> PlannedGroup:
            # Every value its pages are handed: its articles, the neighbours just outside it (newer
            # and older links), each article's neighbours from the same publisher, and the parts of the
            # month's Markdown copy its articles are in (a part moves when the month grows past one;
            # parts are whole days named by their first, so their names tell which article is where).
            # A copy beside each article is named by the article's path, which its mark covers.
            run = articles[start:end]
            values = {"newer": articles[max(start - 1, 0):start], "articles": run, "older": articles[end:end + 1],
                      "same_source": list(itertools.chain.from_iterable(map(same_source.__getitem__, map(id, run)))),
                      "markdown": [] if beside else list(dict.fromkeys(copies.paths_of(run, markdown)))}
            if self.media is not None:  # the digests of the articles' stored images
                values["media"] = list(map(self.media_digest, run))
            return PlannedGroup(folder, fingerprint(self.site_fingerprint, f"article pages\0{folder}", values,
                                                    self.marks), functools.partial(pages, start, end))

        start = 0
        for month in self.archive.months:  # they hold the articles in the same order
            end = start + len(month.articles)
            folder = pages_folder(month)
            runs = day_runs(articles, start, end) or [(folder, start, end)]
            yield folder, [group(day, first, last) for day, first, last in runs]
            start = end

    def media_digest(self, article: Article) -> str:
        """An article → the digest of its images in the media store that its pages show ('' for none)."""
        return self.media.digest(article.source_file) if self.media is not None else ""

    def image_link(self, name: str) -> str:
        """A stored image's file name → its URL from the article's page and Markdown copy: the copy beside them,
        or the store's under media_base_url."""
        base = self.config.media.media_base_url
        return stored_media_url(base, name) if base else article_media_link(name)

    def local_content(self, key: str, images: dict[str, Variants], url: Callable[[str], str]) -> Content:
        """A content key + the article's stored images (+ the page's url(), unused: the files are beside the
        page or at an absolute URL) → its Content with those images shown from the store."""
        content = self.contents(key)
        return Content(rewrite_html(content.html, images, self.image_link),
                       rewrite_markdown(content.markdown, images, self.image_link), content.search_text)

    def lead_image_src(self, article: Article, images: dict[str, Variants]) -> str:
        """An article + its stored images → the absolute URL of its lead image (the stored copy's when there
        is one; '' when it has no lead image), for sharing metadata."""
        if article.lead_image is None:
            return ""
        variants = images.get(article.lead_image.src)
        if not variants:
            return article.lead_image.src
        name = str(variants[0][0])
        base = self.config.media.media_base_url
        return stored_media_url(base, name) if base else absolute_url(self.config.base_url,
                                                                      article_media_file(article.path, name))

    def sitemaps(self) -> Iterator[Page]:
        """sitemap.xml; past 50,000 URLs, a sitemap index over parts: the listings, then the articles
        by month (each month cut in parts of 50,000 when it has more), so that a new article changes
        only its month's part."""
        listings = [("", None), (ARCHIVE, None)]
        listings += [(m.path, m.articles[0].captured) for m in self.archive.months]
        articles = self.archive.articles  # as articles, not (path, date) pairs: fingerprinted by their marks
        listings_after = taxonomy.sitemap_entries(self.archive)
        if len(listings) + len(articles) + len(listings_after) <= SITEMAP_MAX_URLS:
            yield self.page("sitemap.xml", SITEMAP, SITEMAP, entries=listings, articles=articles,
                            entries_after=listings_after)
            return
        pages = listings + listings_after
        parts = []
        for n, start in enumerate(range(0, len(pages), SITEMAP_MAX_URLS), start=1):
            parts.append(part := sitemap_pages_file(n))
            yield self.page("sitemap.xml", part, part, entries=pages[start : start + SITEMAP_MAX_URLS],
                            articles=(), entries_after=[])
        for month in reversed(self.archive.months):
            month_articles = month.articles[::-1]  # oldest first: a new article is added at the end
            for n, start in enumerate(range(0, len(month_articles), SITEMAP_MAX_URLS), start=1):
                parts.append(part := sitemap_articles_file(month.year, month.month, n))
                yield self.page("sitemap.xml", part, part, entries=[],
                                articles=month_articles[start : start + SITEMAP_MAX_URLS], entries_after=[])
        yield self.page("sitemap-index.xml", SITEMAP, SITEMAP, parts=parts)

    def static_files(self) -> Iterator[Page]:
        """Files under templates/static, copied as they are."""
        for path in sorted((self.templates_dir / "static").rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                yield PlannedFile(static_file(path.relative_to(self.templates_dir / "static").as_posix()),
                                  bytes_fingerprint(data), functools.partial(bytes, data))

    def timeline_pages(self) -> Iterator[Page]:
        """The front page, the archive's index and the month pages."""
        yield self.front_page()
        yield self.archive_index()
        yield from self.month_pages()

    def listing_groups(self) -> Iterator[PlannedGroup]:
        """Each tag's and publisher's folder (its listing's pages and its feeds) as a group: while the
        listing's articles and name are the same, its files are kept without planning each of them."""

        def files(path: str, name: str, articles: tuple[Article, ...], kind: str) -> Iterator[Page]:
            feed = has_feed(self.config, kind, articles)
            yield from taxonomy.listing_pages(self.page, path, name, articles, kind=kind,
                                              feed=feed_file(path) if feed else None)
            if feed:
                yield from planned_feed(self.plan, self.config, self.html, self.kept_entries,
                                        listing_feed_spec(self.config, path, name, articles))

        for path, name, articles, kind in taxonomy.listings(self.archive):
            # Every file under the folder is made from these values (and the site's fingerprint) alone.
            values = {"name": name, "kind": kind, "articles": articles}
            yield PlannedGroup(path, fingerprint(self.site_fingerprint, f"listing\0{path}", values, self.marks),
                               functools.partial(files, path, name, articles, kind))

    def pages_after_articles(self) -> Iterator[Page | PlannedGroup]:
        """The pages after the articles': tag and publisher indexes and listings (with their feeds), search,
        404, robots.txt, sitemaps, static files."""
        yield from taxonomy.index_pages(self.archive, self.page)
        yield from self.listing_groups()
        yield self.page("search.html", page_file(SEARCH), SEARCH, shards=[s.name for s in self.shards])
        # The 404 page is served at any depth, so its links are root-relative, not relative.
        root = urlsplit(self.config.base_url).path
        yield self.page("404.html", NOT_FOUND, NOT_FOUND, url=lambda target: root + target)
        yield self.page("robots.txt", ROBOTS, ROBOTS)
        yield from self.sitemaps()
        yield from self.static_files()

    def feeds(self, archived: bool = False) -> Iterator[Page]:
        """/feed.xml, or with archived, the monthly archive feeds (feeds.render_feeds), planned."""
        return render_feeds(self.archive, self.config, self.plan, self.html, self.kept_entries, archived)
