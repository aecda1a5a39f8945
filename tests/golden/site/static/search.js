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
  // them: take out every space beside a Chinese character, also across the <mark> around a match.
  var han = "[\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff]";
  var spaceAfterHan = new RegExp("(" + han + ")((?:</?mark>)*) +", "g");
  var spaceBeforeHan = new RegExp(" +((?:</?mark>)*)(?=" + han + ")", "g");
  var unspaced = function (excerpt) {
    return typeof excerpt === "string" ? excerpt.replace(spaceAfterHan, "$1$2").replace(spaceBeforeHan, "$1") : excerpt;
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
    processResult: function (result) {
      result.excerpt = unspaced(result.excerpt);
      (result.sub_results || []).forEach(function (sub) { sub.excerpt = unspaced(sub.excerpt); });
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
