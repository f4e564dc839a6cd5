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

// A request htmx could not complete: a 5xx (base.html's htmx-config swaps 4xx answers in
// place and leaves these to us), an empty 4xx, or no answer at all. Say so where a
// person sees it and a screen reader hears it; a later success clears it.
const problem = (text) => {
  const region = document.getElementById("request-problem");
  if (region) region.textContent = text;
};
document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  if (xhr.status >= 400 && xhr.status < 500 && !xhr.responseText.trim()) {
    event.detail.shouldSwap = false;
    problem(document.body.dataset.requestRefused);
  }
});
document.addEventListener("htmx:responseError", (event) => {
  if (event.detail.xhr.status >= 500) problem(document.body.dataset.requestFailed);
});
document.addEventListener("htmx:sendError", () => problem(document.body.dataset.requestUnsent));
document.addEventListener("htmx:afterRequest", (event) => {
  if (event.detail.successful) problem("");
});
