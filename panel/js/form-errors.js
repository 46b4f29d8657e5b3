// A form's errors beside its fields: those the panel finds before sending and those of the API's 422,
// each in words (the rule the field breaks), with the server's own words below; focus goes to the first
// field in error. Shared by the verify and reject forms and the dialogs.
import { $, $$, replace } from "./dom.js";
import { t } from "./i18n.js";
import { messageNodes } from "./messages.js";

// The rule a field breaks, in words, when the API refuses it (422): its own message is shown below.
const FIELD_RULES = {
  verify: { category: "err_category", priority: "err_priority", location: "err_location", address: "err_address", summary: "err_summary", agencies: "err_agencies", posts: "err_posts" },
  reject: { reason: "err_reason", note: "err_note", duplicateOf: "err_duplicateOf" },
  ack: { note: "err_note" },
  close: { note: "err_outcome" },
  write: { text: "err_writeText" },
  reassign: { assignee: "err_assignee" },
  callback: { outcome: "err_callbackOutcome", note: "err_callbackNote" },
  unreachable: { note: "err_note" },
  silent: { note: "err_note" },
  lift: { reason: "err_liftReason" },
  search: { from: "err_searchDate", to: "err_searchRange", caller: "err_searchCaller" },
};

export function resetErrors(form) {
  for (const el of $$(".field-error, .form-error", form)) replace(el);
  for (const el of $$("[aria-invalid]", form)) el.removeAttribute("aria-invalid");
}

/** Empty the form's fields and its errors. */
export function resetForm(form) {
  form.reset();
  resetErrors(form);
}

export function fieldError(formId, field, message) {
  const el = $(`#${formId}-${field}-error`);
  if (el) replace(el, messageNodes(message));
  const input = $(`#${formId}-${field}`);
  if (input) input.setAttribute("aria-invalid", "true");
  return input;
}

/** Show a 422's details next to the fields they name (`fields`: the API's name → the form's field). */
export function serverFieldErrors(formId, error, fields) {
  const rest = [];
  for (const item of error.body.detail || []) {
    const loc = (item.loc || []).map(String);
    const field = [...loc].reverse().map((part) => fields[part]).find(Boolean);
    const rule = FIELD_RULES[formId]?.[field];
    if (field) fieldError(formId, field, { text: rule ? t(rule) : t("fieldRefused"), detail: item.msg });
    else rest.push(`${loc.filter((p) => p !== "body").join(".")}: ${item.msg}`);
  }
  replace($(`#${formId}-error`), messageNodes({ text: t("formInvalidServer"), detail: rest.length ? rest.join("; ") : null }));
  const first = $(`#${formId}-form [aria-invalid="true"]`);
  if (first) (first.matches("fieldset") ? first.querySelector("input") : first).focus();
}

export function focusFirstInvalid(form) {
  $(`#${form.id.replace(/-form$/, "")}-error`).textContent = t("formInvalid");
  const first = form.querySelector('[aria-invalid="true"]');
  if (first) (first.matches("fieldset") ? first.querySelector("input") : first).focus();
}
