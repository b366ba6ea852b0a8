// Small helpers for building and finding the page's elements.

export const $ = (id) => document.getElementById(id);

/** An element: el("a", {href: "#/"}, "text", child). Props with a dash are attributes. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.includes("-") || name === "role") node.setAttribute(name, value);
    else node[name] = value;
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/** The labels of a form's fields, by name: what words.explain puts messages under. */
export function labelsOf(form) {
  const labels = {};
  for (const input of form.querySelectorAll("[name]")) {
    const label = input.labels && input.labels[0];
    labels[input.name] = label ? label.textContent.trim() : input.name;
  }
  return labels;
}

/**
 * Show a problem (words.explain) on a form: each field's message under it (its id + "-error",
 * tied by aria-describedby in the HTML), the rest in the form's error line (role=alert),
 * named by the form's data-error.
 * Focus goes to the first field in error, where the teacher fixes it.
 */
export function showProblem(form, problem) {
  let firstInvalid = null;
  for (const input of form.querySelectorAll("[name]")) {
    const text = (problem && problem.fields[input.name]) || "";
    const out = $(`${input.id}-error`);
    if (out) out.textContent = text;
    if (text) {
      input.setAttribute("aria-invalid", "true");
      firstInvalid = firstInvalid || input;
    } else {
      input.removeAttribute("aria-invalid");
    }
  }
  const formError = $(form.dataset.error);  // <form data-error="its error line's id">
  if (formError) formError.textContent = (problem && problem.message) || "";
  if (firstInvalid) firstInvalid.focus();
}

export function clearProblem(form) {
  showProblem(form, null);
}

/** Move focus to an element that is not focusable by itself (a heading, a list). */
export function focusOn(node) {
  if (!node) return;
  if (!node.hasAttribute("tabindex") && node.tabIndex < 0) node.setAttribute("tabindex", "-1");
  node.focus();
}
