"""Corpus (seed format) → equivalent inputs for the peers, Hugo and Pelican (stdlib only).

Each article becomes one content file holding the same four things newsarchive reads or finds: title,
date (the capture time, in +08:00 like the corpus), the raw HTML body unchanged, and the 3 tags that
``common.tags_for(article_id)`` gives (the article id is the corpus file's stem, ``000123_<16 hex>``).
Both peers read HTML content as is (no Markdown step), and the article id is the slug, so both write
``posts/<id>/index.html``. Pages, for both: one per article, one paginated list per tag (PAGE_SIZE a
page), a tag index, a paginated list of all articles, a front page, a sitemap (Hugo) and feeds of the
latest FEED_ENTRIES articles (site and one per tag) — the counterparts of newsarchive's article, tag,
archive and feed pages. Hugo gets the minimal layouts below; Pelican its default theme.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

BASE_URL = "https://bench.example.org/"
PAGE_SIZE = 50  # list entries per page, both peers
FEED_ENTRIES = 50  # newsarchive's default feed_entries

# --------------------------------------------------------------------------------------------------------
# Hugo


HUGO_CONFIG = f"""\
baseURL = "{BASE_URL}"
locale = "zh-CN"
title = "bench"
timeZone = "Asia/Shanghai"
enableRobotsTXT = true

[security]
allowContent = ['.*']  # HTML content files are refused by default since Hugo 0.15x

[taxonomies]
tag = "tags"

[pagination]
pagerSize = {PAGE_SIZE}

[services.rss]
limit = {FEED_ENTRIES}
"""

_BASEOF = """\
<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{ if not .IsHome }}{{ .Title }} | {{ end }}{{ site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">{{ end }}
</head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a> · <a href="{{ "posts/" | relURL }}">全部</a> · \
<a href="{{ "tags/" | relURL }}">标签</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

_ITEM = """<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>"""

HUGO_LAYOUTS = {
    "baseof.html": _BASEOF,
    "_partials/pager.html": (
        '<nav>{{ with .Prev }}<a rel="prev" href="{{ .URL }}">上一页</a>{{ end }} '
        "{{ .PageNumber }} / {{ .TotalPages }} "
        '{{ with .Next }}<a rel="next" href="{{ .URL }}">下一页</a>{{ end }}</nav>\n'
    ),
    "page.html": (
        '{{ define "main" }}<article><h1>{{ .Title }}</h1>\n'
        '<time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "2006-01-02 15:04" }}</time>\n'
        '<ul class="tags">{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>'
        "{{ end }}</ul>\n"
        "{{ .Content }}\n</article>{{ end }}\n"
    ),
    "home.html": (
        '{{ define "main" }}<ul>{{ range first 60 site.RegularPages.ByDate.Reverse }}' + _ITEM + "{{ end }}</ul>"
        "{{ end }}\n"
    ),
    "section.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages.ByDate.Reverse }}'
        "<ul>{{ range $p.Pages }}" + _ITEM + '{{ end }}</ul>{{ partial "pager.html" $p }}{{ end }}\n'
    ),
    "term.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages.ByDate.Reverse }}'
        "<ul>{{ range $p.Pages }}" + _ITEM + '{{ end }}</ul>{{ partial "pager.html" $p }}{{ end }}\n'
    ),
    "taxonomy.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.ByCount }}'
        '<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> ({{ .Count }})</li>{{ end }}</ul>'
        "{{ end }}\n"
    ),
}


def iso_date(epoch_ms: int, common) -> str:
    return common.article_datetime(epoch_ms).strftime("%Y-%m-%dT%H:%M:%S+08:00")


def hugo_page(article: dict, common) -> str:
    """One article → the text of its Hugo content file (JSON front matter, then the HTML body)."""
    front = {
        "title": article["title"],
        "date": iso_date(article["epoch_ms"], common),
        "slug": article["id"],
        "tags": common.tags_for(article["id"]),
    }
    return json.dumps(front, ensure_ascii=False, indent=1) + "\n" + article["body"] + "\n"


def hugo_scaffold(site: Path) -> None:
    """Write hugo.toml and the layouts into ``site`` (content goes to site/content/posts/)."""
    (site / "content" / "posts").mkdir(parents=True, exist_ok=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        path = site / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def hugo_content_path(site: Path, article_id: str) -> Path:
    return site / "content" / "posts" / f"{article_id}.html"


# --------------------------------------------------------------------------------------------------------
# Pelican


def pelican_config(cache_dir: Path) -> str:
    return f"""\
# Written by newsarchive's benchmarks/convert.py. Default theme; HTML content; content cache on so that
# Pelican's rebuilds use its own incremental mode (reader cache), as newsarchive's and Hugo's do theirs.
SITENAME = "bench"
SITEURL = "{BASE_URL.rstrip("/")}"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
SLUGIFY_USE_UNICODE = True  # tag URLs keep their Chinese characters, as in newsarchive and Hugo
ARTICLE_URL = "posts/{{slug}}/"
ARTICLE_SAVE_AS = "posts/{{slug}}/index.html"
DEFAULT_PAGINATION = {PAGE_SIZE}
FEED_DOMAIN = SITEURL
FEED_MAX_ITEMS = {FEED_ENTRIES}
FEED_ALL_ATOM = "feeds/all.atom.xml"
TAG_FEED_ATOM = "feeds/tag/{{slug}}.atom.xml"
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = {str(cache_dir)!r}
"""


def pelican_page(article: dict, common) -> str:
    """One article → the text of its Pelican HTML content file (metadata in <head>, body unchanged)."""
    tags = ", ".join(common.tags_for(article["id"]))
    return (
        "<html>\n<head>\n"
        f"<title>{html.escape(article['title'])}</title>\n"
        f'<meta name="date" content="{iso_date(article["epoch_ms"], common)}">\n'
        f'<meta name="slug" content="{html.escape(article["id"])}">\n'
        f'<meta name="tags" content="{html.escape(tags)}">\n'
        "</head>\n<body>\n" + article["body"] + "\n</body>\n</html>\n"
    )


def pelican_scaffold(site: Path, cache_dir: Path) -> None:
    """Write pelicanconf.py into ``site`` (content goes to site/content/)."""
    (site / "content").mkdir(parents=True, exist_ok=True)
    (site / "pelicanconf.py").write_text(pelican_config(cache_dir), encoding="utf-8")


def pelican_content_path(site: Path, article_id: str) -> Path:
    return site / "content" / f"{article_id}.html"


# --------------------------------------------------------------------------------------------------------

WRITERS = {
    "hugo": (hugo_page, hugo_content_path),
    "pelican": (pelican_page, pelican_content_path),
}


def convert_file(tool: str, corpus_file: Path, site: Path, common) -> Path:
    """One corpus file → its content file for ``tool`` inside ``site``; → the path written."""
    page, path_of = WRITERS[tool]
    article = common.parse_article(str(corpus_file))
    target = path_of(site, article["id"])
    target.write_text(page(article, common), encoding="utf-8")
    return target
