// Shegong page behaviour. No inline scripts: everything a page does is here.
document.addEventListener("click", (event) => {
  const printer = event.target.closest("[data-print]");
  if (printer) {
    event.preventDefault();
    window.print();
  }
  if (event.target.closest("[data-back]")) {
    event.preventDefault();
    window.history.back();
  }
});
// Region-code inputs: send the levels the field accepts with each search (htmx).
document.addEventListener("htmx:configRequest", (event) => {
  const el = event.detail.elt;
  if (el && el.dataset && el.dataset.levels !== undefined) {
    event.detail.parameters.q = el.value;
    const levels = el.dataset.levels.split(",").filter(Boolean);
    if (levels.length) event.detail.parameters.level = levels;
  }
});
// htmx requests carry the CSRF token from the page (the cookie is HttpOnly).
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRFToken"] = meta.content;
});
// Search pickers (core.widgets.SearchSelectMultiple): a ticked search result joins the
// chosen; one already chosen is not added twice.
document.addEventListener("change", (event) => {
  const box = event.target;
  const results = box.closest(".picker-results");
  if (!results || !box.checked) return;
  const chosen = results.closest(".picker").querySelector(".picker-chosen");
  const item = box.closest(".form-check");
  if (chosen.querySelector(`input[value="${CSS.escape(box.value)}"]`)) {
    item.remove();
  } else {
    chosen.appendChild(item);
  }
});
