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

// j / k move focus to the next / previous post, in reading order. Each post is focusable
// (tabindex="-1") and named by its hidden heading, so a screen reader says where it landed.
const POSTS = ".post--root, .post-item";
const hint = document.getElementById("keys-hint");
if (hint) hint.hidden = false;

function isTyping(target) {
  return target instanceof Element && target.closest("input, textarea, select, [contenteditable]");
}

function focusPost(post) {
  document.querySelector(".is-current")?.classList.remove("is-current");
  post.classList.add("is-current");
  post.focus();
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "j" && event.key !== "k") return;
  if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
  if (event.defaultPrevented || isTyping(event.target)) return;
  const posts = [...document.querySelectorAll(POSTS)];
  if (!posts.length) return;
  const here = document.activeElement?.closest(POSTS);
  let index = posts.indexOf(here);
  if (index === -1) {
    // Nothing focused yet: start from the first post whose top is on screen.
    index = posts.findIndex((post) => post.getBoundingClientRect().top >= 0);
    if (index === -1) index = posts.length;
    index += event.key === "j" ? -1 : 0;
  }
  const next = posts[Math.min(posts.length - 1, Math.max(0, index + (event.key === "j" ? 1 : -1)))];
  event.preventDefault();
  focusPost(next);
});

// Mark a post focused after a swap (site.js moves focus there) so its ring shows even when
// the reply was posted with a click, and clear the mark when focus leaves.
document.addEventListener("focusin", (event) => {
  const current = document.querySelector(".is-current");
  if (current && current !== event.target) current.classList.remove("is-current");
});
document.addEventListener("htmx:afterSwap", (event) => {
  const post = event.detail.elt.querySelector(".post-item[data-focus-after-swap]");
  if (post) post.classList.add("is-current");
});
