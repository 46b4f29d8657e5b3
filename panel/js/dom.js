// Small DOM helpers: build elements without innerHTML (nothing from the API is ever parsed as HTML).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function $$(selector, root = document) {
  return [...root.querySelectorAll(selector)];
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

export function show(el, visible = true) {
  el.hidden = !visible;
}

/**
 * Whether a key event comes from a form control: a text field, a select, a radio button, a checkbox, an
 * editable region. Single-key shortcuts never fire there (a letter typed into a half-filled form must not
 * switch or reset it); only shortcuts with a modifier do.
 */
export function inFormControl(event) {
  const el = event.target;
  if (!(el instanceof Element)) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT" || tag === "INPUT") return true;
  return el.getAttribute("role") === "textbox" || el.getAttribute("role") === "combobox";
}
