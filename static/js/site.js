// Progressive enhancement only: every page works without this file.
// After htmx swaps content in, move focus to it and announce it (UI.md).
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.elt;
  const focusable = target.querySelector("[data-focus-after-swap]") || null;
  if (focusable) {
    focusable.setAttribute("tabindex", "-1");
    focusable.focus();
  }
  const message = target.querySelector("[data-announce]");
  const live = document.getElementById("live-region");
  if (message && live) {
    live.textContent = message.dataset.announce;
  }
});
