// The search page: starts Pagefind's UI on the index that `newsarchive build` writes into pagefind/.
// Everything it loads is in the site itself, so it works from any static host, offline too.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  // Pagefind fetches its index, which browsers refuse for pages opened from disk.
  if (window.location.protocol === "file:" || typeof window.PagefindUI === "undefined") {
    box.querySelector(".search-offline").hidden = false;
    return;
  }
  var here = window.location.href;
  // The folder of a file the page links to (relative links, so the site works from any sub-path).
  var folderOf = function (attribute) {
    return new URL(".", new URL(box.getAttribute(attribute), here)).pathname;
  };
  // The other shards of the index (one per month or part of a month), searched together with the first.
  var merged = (box.getAttribute("data-merge") || "").split(" ").filter(Boolean).map(function (file) {
    return { bundlePath: new URL(".", new URL(file, here)).pathname };
  });
  // The index holds Chinese split into words by spaces (generator/words.py), and Pagefind's excerpts show
  // its words one space apart. In a text with Chinese, each real space is the invisible word U+2060
  // (KEPT_SPACE): take out every space, also around the <mark> of a match, and make that one a space.
  var chinese = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  var kept = "\u2060";
  var asWritten = function (excerpt) {
    if (typeof excerpt !== "string" || !(chinese.test(excerpt) || excerpt.indexOf(kept) >= 0)) return excerpt;
    return excerpt.replace(/ +/g, "").split(kept).join(" ").trim();
  };
  // Pagefind splits a query into words on a Chinese, Japanese or Thai page only. Elsewhere (an English
  // site) a Chinese query would be one word, which the index never holds: split it here the same way.
  var splitsItself = /^(zh|ja|th)\b/i.test(document.documentElement.lang);
  var words = !splitsItself && typeof Intl.Segmenter === "function" ? new Intl.Segmenter("zh", { granularity: "word" }) : null;
  var inWords = function (term) {
    if (!words || !chinese.test(term)) return term;
    return Array.from(words.segment(term), function (part) { return part.segment; }).join(" ").replace(/\s+/g, " ").trim();
  };
  var ui = new window.PagefindUI({
    element: "#search",
    bundlePath: folderOf("data-bundle"),
    mergeIndex: merged,
    // Result URLs are relative to the site's root, wherever the site is published.
    baseUrl: folderOf("data-root"),
    showImages: false,
    showSubResults: true,
    autofocus: true,
    processTerm: inWords,
    processResult: function (result) {
      result.excerpt = asWritten(result.excerpt);
      (result.sub_results || []).forEach(function (sub) { sub.excerpt = asWritten(sub.excerpt); });
      return result;
    }
  });
  // Pagefind's box has no label of its own: give it the page's visible <label for="search-input">.
  var labelled = function () {
    var input = box.querySelector("input");
    if (input) input.id = "search-input";
    return Boolean(input);
  };
  if (!labelled()) {
    var observer = new MutationObserver(function () { if (labelled()) observer.disconnect(); });
    observer.observe(box, { childList: true, subtree: true });
  }
  // search/?q=… opens with results, so a search can be linked to.
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
})();
