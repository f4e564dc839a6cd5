// Progressive enhancement for thread pages; everything works without it.
// site.js focuses and announces the first [data-focus-after-swap] / [data-announce] in a
// swapped target. Once used, those markers must go, or the next reply added to the same
// list would move focus back to the first one.
document.addEventListener("htmx:afterSettle", () => {
  for (const el of document.querySelectorAll("[data-focus-after-swap], [data-announce]")) {
    el.removeAttribute("data-focus-after-swap");
    el.removeAttribute("data-announce");
  }
});
