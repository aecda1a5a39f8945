// Keyboard shortcuts, listed on the pages that have them: ← / → newer / older article or month,
// Shift+← / Shift+→ newer / older article from the same source, / search.
// It only follows the page's own links marked data-key, so a page without such a link ignores the key.
(function () {
  "use strict";
  var arrows = { ArrowLeft: "newer", ArrowRight: "older" };
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    // Never steal keys from someone typing (the search box, an input method).
    var target = event.target;
    if (target && target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    var name;
    if (event.key === "/") {
      var box = document.querySelector(".pagefind-ui__search-input");
      if (box) { event.preventDefault(); box.focus(); return; }  // already on the search page
      name = "search";
    } else if (arrows[event.key]) {
      name = (event.shiftKey ? "source-" : "") + arrows[event.key];
    } else {
      return;
    }
    var link = document.querySelector('a[data-key="' + name + '"]');
    if (!link) return;
    event.preventDefault();
    window.location.href = link.href;
  });
})();
