"""Site chrome in the site's language (zh-CN, zh-TW, en): words, and how dates are written."""

from __future__ import annotations

from datetime import datetime

STRINGS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "main_nav": "主导航", "search": "搜索", "search_title": "搜索存档", "search_label": "搜索全部文章的标题和正文",
        "search_noscript": "搜索需要启用 JavaScript。",
        "search_needs_http": "直接从磁盘打开时无法搜索：请用网站服务器打开本站（例如 python3 -m http.server）。",
        "same_source": "同一来源：{source}", "shortcuts": "键盘快捷键",
        "keys_articles": "较新 / 较早的文章", "keys_source": "同一来源较新 / 较早的文章",
        "keys_search": "搜索", "keys_months": "较新 / 较早的月份",
        "home": "首页", "archive": "存档", "all_months": "全部月份", "latest": "最新文章",
        "older": "更早", "newer": "更新", "previous_article": "上一篇", "next_article": "下一篇",
        "original": "阅读原文", "wayback": "互联网档案馆的副本", "markdown": "Markdown 版本",
        "markdown_month": "本月文章的 Markdown 版本", "source": "来源", "author": "作者", "via": "转自",
        "captured": "存档于", "published": "发表于", "articles": "篇文章", "feed": "订阅",
        "not_found": "找不到这个页面", "not_found_text": "这个地址没有页面。可以从首页或存档找文章。",
        "skip": "跳到正文", "more_in_archive": "更早的文章见存档", "month_count": "{n} 篇",
        "tags": "标签", "sources": "来源", "breadcrumb": "位置", "year": "{y} 年",
        "month_title": "{y} 年 {m} 月", "chart": "{y} 年每月文章数",
        "kind_p": "人物", "kind_l": "地点", "kind_o": "机构", "kind_e": "事件", "kind_t": "话题", "kind_x": "其他",
        "tag_filter": "筛选标签（名称或拼音）", "tag_popular": "常用标签", "tag_kinds": "标签分类",
    },
    "zh-TW": {
        "main_nav": "主導覽", "search": "搜尋", "search_title": "搜尋存檔", "search_label": "搜尋全部文章的標題和正文",
        "search_noscript": "搜尋需要啟用 JavaScript。",
        "search_needs_http": "直接從磁碟開啟時無法搜尋：請用網站伺服器開啟本站（例如 python3 -m http.server）。",
        "same_source": "同一來源：{source}", "shortcuts": "鍵盤快捷鍵",
        "keys_articles": "較新 / 較早的文章", "keys_source": "同一來源較新 / 較早的文章",
        "keys_search": "搜尋", "keys_months": "較新 / 較早的月份",
        "home": "首頁", "archive": "存檔", "all_months": "全部月份", "latest": "最新文章",
        "older": "更早", "newer": "更新", "previous_article": "上一篇", "next_article": "下一篇",
        "original": "閱讀原文", "wayback": "網際網路檔案館的副本", "markdown": "Markdown 版本",
        "markdown_month": "本月文章的 Markdown 版本", "source": "來源", "author": "作者", "via": "轉自",
        "captured": "存檔於", "published": "發表於", "articles": "篇文章", "feed": "訂閱",
        "not_found": "找不到這個頁面", "not_found_text": "這個網址沒有頁面。可以從首頁或存檔找文章。",
        "skip": "跳到正文", "more_in_archive": "更早的文章見存檔", "month_count": "{n} 篇",
        "tags": "標籤", "sources": "來源", "breadcrumb": "位置", "year": "{y} 年",
        "month_title": "{y} 年 {m} 月", "chart": "{y} 年每月文章數",
        "kind_p": "人物", "kind_l": "地點", "kind_o": "機構", "kind_e": "事件", "kind_t": "話題", "kind_x": "其他",
        "tag_filter": "篩選標籤（名稱或拼音）", "tag_popular": "常用標籤", "tag_kinds": "標籤分類",
    },
    "en": {
        "main_nav": "Main", "search": "Search", "search_title": "Search the archive",
        "search_label": "Search the titles and text of every article",
        "search_noscript": "Search needs JavaScript.",
        "search_needs_http": "Search does not work from a file on disk: open the site from a web server "
                             "(for example python3 -m http.server).",
        "same_source": "Same source: {source}", "shortcuts": "Keyboard shortcuts",
        "keys_articles": "Newer / older article", "keys_source": "Newer / older article from the same source",
        "keys_search": "Search", "keys_months": "Newer / older month",
        "home": "Home", "archive": "Archive", "all_months": "All months", "latest": "Latest",
        "older": "Older", "newer": "Newer", "previous_article": "Previous", "next_article": "Next",
        "original": "Read the original", "wayback": "Internet Archive copy", "markdown": "Markdown copy",
        "markdown_month": "Markdown copy of the month's articles", "source": "Source", "author": "Author", "via": "via",
        "captured": "Archived", "published": "Published", "articles": "articles",
        "feed": "Feed", "not_found": "Page not found",
        "not_found_text": "There is no page at this address. Try the front page or the archive.",
        "skip": "Skip to content", "more_in_archive": "Older articles are in the archive",
        "month_count": "{n}", "tags": "Tags", "sources": "Sources", "breadcrumb": "Breadcrumb",
        "year": "{y}", "month_title": "{month_name} {y}", "chart": "Articles per month in {y}",
        "kind_p": "People", "kind_l": "Places", "kind_o": "Organisations", "kind_e": "Events", "kind_t": "Topics",
        "kind_x": "Other", "tag_filter": "Filter tags (name or pinyin)", "tag_popular": "Most used",
        "tag_kinds": "Kinds of tags",
    },
}  # fmt: skip

_WEEKDAYS = {
    "zh-CN": "一二三四五六日",
    "zh-TW": "一二三四五六日",
}
_EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]


def format_day(moment: datetime, language: str) -> str:
    """A datetime → its calendar day as readers of `language` write it."""
    if language == "en":
        return f"{moment:%a}, {moment.day} {moment:%b} {moment.year}"
    weekday = _WEEKDAYS[language][moment.weekday()]
    return f"{moment.year}年{moment.month}月{moment.day}日 星期{weekday}"


def format_time(moment: datetime, language: str) -> str:
    """A datetime → day and time of day, as readers of `language` write it."""
    return f"{format_day(moment, language)} {moment:%H:%M}"


def month_title(year: int, month: int, language: str) -> str:
    """Year + month → a heading such as "2024 年 6 月" or "June 2024"."""
    return STRINGS[language]["month_title"].format(y=year, m=month, month_name=_EN_MONTHS[month - 1])
