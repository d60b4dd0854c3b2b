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
// A single picker (core.widgets.SearchSelect) keeps one: the result chosen replaces it,
// and where it names its village (data-region) the form's village follows.
document.addEventListener("change", (event) => {
  const box = event.target;
  const results = box.closest(".picker-results");
  if (!results || !box.checked) return;
  const picker = results.closest(".picker");
  const chosen = picker.querySelector(".picker-chosen");
  const item = box.closest(".form-check");
  if (picker.classList.contains("picker-single")) {
    chosen.replaceChildren(item);
    results.replaceChildren();
    const region = box.form && box.form.querySelector('select[name="region"]');
    if (region && box.dataset.region) region.value = box.dataset.region;
    return;
  }
  if (chosen.querySelector(`input[value="${CSS.escape(box.value)}"]`)) {
    item.remove();
  } else {
    chosen.appendChild(item);
  }
});
// Forms marked data-draft-key keep what is typed in the browser until it is saved: a
// score sheet filled where the signal comes and goes loses nothing when a save fails or
// the page is closed. The copy belongs to the version the form was opened at; once the
// record is saved (a new version), the old copy is dropped.
document.querySelectorAll("form[data-draft-key]").forEach((form) => {
  const key = `shegong-draft:${form.dataset.draftKey}`;
  const version = (form.querySelector('input[name="version"]') || {}).value || "";
  const fields = () => form.querySelectorAll("input[name], textarea[name], select[name]");
  let saved = null;
  try {
    saved = JSON.parse(window.localStorage.getItem(key) || "null");
  } catch (error) {
    saved = null;
  }
  if (saved && saved.version === version && !form.querySelector(".is-invalid")) {
    let restored = 0;
    fields().forEach((el) => {
      if (!(el.name in saved.values) || el.type === "file" || el.type === "hidden") return;
      if (el.type === "checkbox") {
        if (el.checked !== saved.values[el.name]) restored += 1;
        el.checked = saved.values[el.name];
      } else if (el.value !== saved.values[el.name]) {
        el.value = saved.values[el.name];
        restored += 1;
      }
    });
    const notice = document.querySelector("[data-draft-notice]");
    if (restored && notice) notice.hidden = false;
  } else if (saved) {
    window.localStorage.removeItem(key);
  }
  form.addEventListener("input", () => {
    const values = {};
    fields().forEach((el) => {
      if (el.type === "file" || el.type === "hidden") return;
      values[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    try {
      window.localStorage.setItem(key, JSON.stringify({ version, values }));
    } catch (error) {
      // storage full or refused: the server copy is still the one saved
    }
  });
});
