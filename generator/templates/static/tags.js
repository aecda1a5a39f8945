// The tag index's filter box: shows only the tags whose name or pinyin holds what is typed ("xjp", "xijin",
// "习近"), and hides the headings left empty. Without script the box stays hidden and every tag shows.
(() => {
  const form = document.querySelector(".tag-filter");
  if (!form) return;
  const input = form.querySelector("input");
  const items = Array.from(document.querySelectorAll(".tag-group li[data-key]"));
  const blocks = Array.from(document.querySelectorAll(".tag-letter, .tag-group, .tag-popular, .tag-kinds, .initials"));
  form.hidden = false;
  form.addEventListener("submit", (event) => event.preventDefault());
  input.addEventListener("input", () => {
    const query = input.value.trim().toLowerCase().replace(/\s+/g, "");
    for (const item of items) item.hidden = query !== "" && !item.dataset.key.includes(query);
    for (const block of blocks) {
      const keep = block.matches(".tag-letter, .tag-group") ? block.querySelector("li[data-key]:not([hidden])") : !query;
      block.hidden = !keep;
    }
  });
})();
