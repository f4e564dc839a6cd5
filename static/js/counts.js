// Progressive enhancement: a text field with a limit shows how much of it is used, as a
// person types, instead of the browser silently cutting what they type or paste at its
// maxlength. The limit moves to data-maxlength; the server still refuses a longer text,
// and the count says so before they send it. Words come from <body data-count-*>.
(() => {
  const words = document.body.dataset;
  const say = (template, values) =>
    template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));

  const enhance = (field) => {
    if (field.dataset.maxlength || !field.id) return;
    const max = Number(field.getAttribute("maxlength"));
    if (!max) return;
    field.dataset.maxlength = String(max);
    field.removeAttribute("maxlength");

    const count = document.createElement("span");
    count.className = "char-count";
    count.id = `${field.id}-count`;
    // Screen readers hear only a change of state (over the limit, or back within it);
    // the running count is there to read at any time through aria-describedby.
    const announce = document.createElement("span");
    announce.className = "visually-hidden";
    announce.setAttribute("aria-live", "polite");
    field.after(count, announce);
    const described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", described ? `${described} ${count.id}` : count.id);

    let wasOver = false;
    const update = () => {
      const used = field.value.length;
      const over = used > max;
      count.textContent = over
        ? say(words.countOver, { count: used, max, extra: used - max })
        : say(words.countUnder, { count: used, max });
      count.classList.toggle("char-count--over", over);
      if (over) field.setAttribute("aria-invalid", "true");
      else if (wasOver) field.removeAttribute("aria-invalid");
      if (over !== wasOver) announce.textContent = over ? count.textContent : words.countBack;
      wasOver = over;
    };
    field.addEventListener("input", update);
    update();
  };

  const selector = "textarea[maxlength], input[type=text][maxlength]:not([autocomplete])";
  const enhanceAll = (root) => {
    if (root.matches?.(selector)) enhance(root);
    root.querySelectorAll?.(selector).forEach(enhance);
  };
  // Forms htmx brings in later (a flag form, a nested reply form) are counted too, from
  // the moment they are swapped in (htmx:load comes only after the settle delay).
  document.addEventListener("htmx:afterSwap", (event) => enhanceAll(event.detail.target));
  document.addEventListener("htmx:load", (event) => enhanceAll(event.detail.elt));
  enhanceAll(document);
})();
