"""Publisher names for the common Chinese-language outlets, and the lookup from a URL to its outlet."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from generator.models import Outlet

# host suffix (+ optional path prefix) → display name. Longest match wins, so
# "bbc.com/zhongwen" beats a plain "bbc.com".
BUILT_IN: dict[str, str] = {
    "voachinese.com": "美国之音",
    "voacantonese.com": "美国之音粤语",
    "cn.nytimes.com": "纽约时报中文网",
    "nytimes.com": "纽约时报",
    "bbc.com/zhongwen": "BBC 中文",
    "bbc.co.uk/zhongwen": "BBC 中文",
    "bbc.com": "BBC",
    "rfa.org/mandarin": "自由亚洲电台",
    "rfa.org/cantonese": "自由亚洲电台粤语",
    "rfa.org": "自由亚洲电台",
    "dw.com/zh": "德国之声中文网",
    "rfi.fr/cn": "法国国际广播电台",
    "zaobao.com": "联合早报",
    "zaobao.com.sg": "联合早报",
    "ftchinese.com": "FT中文网",
    "cn.wsj.com": "华尔街日报中文网",
    "theinitium.com": "端传媒",
    "cna.com.tw": "中央社",
    "udn.com": "联合新闻网",
    "thepaper.cn": "澎湃新闻",
    "chinadigitaltimes.net": "中国数字时代",
    "cn.nikkei.com": "日经中文网",
    "hk.on.cc": "东网",
    "rthk.hk": "香港电台",
    "abc.net.au/chinese": "澳大利亚广播公司中文网",
    "sbs.com.au/language/chinese": "SBS 中文",
    "cn.reuters.com": "路透中文网",
    "reuters.com": "路透社",
    "apnews.com": "美联社",
    "xinhuanet.com": "新华网",
    "news.cn": "新华网",
    "people.com.cn": "人民网",
    "chinatimes.com": "中时新闻网",
    "ltn.com.tw": "自由时报",
    "storm.mg": "风传媒",
    "twreporter.org": "报导者",
    "mingpao.com": "明报",
    "hk01.com": "香港01",
}


def _matches(host: str, path: str, pattern: str) -> bool:
    """True when host/path falls under a `domain[/path]` pattern."""
    domain, _, prefix = pattern.partition("/")
    host_ok = host == domain or host.endswith("." + domain)
    return host_ok and (not prefix or path == "/" + prefix or path.startswith("/" + prefix + "/"))


def outlet_for(url: str, overrides: Mapping[str, str]) -> Outlet:
    """Article URL + configured names → its Outlet; unknown domains are named by their host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        return Outlet(key="unknown", name="未知来源")
    names = {**BUILT_IN, **{k.lower().removeprefix("www."): v for k, v in overrides.items()}}
    best = max((p for p in names if _matches(host, parts.path, p)), key=len, default=None)
    if best is None:
        return Outlet(key=host, name=host)
    return Outlet(key=best.replace("/", "-"), name=names[best])
