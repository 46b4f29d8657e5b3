// The reject form: why (a prank, not an emergency: with the advice given, a duplicate: of which open
// incident, an open line where nobody spoke: it counts lighter than a prank) and a note. Checked here as
// the API checks, then sent through forms.js.
import { $, $$, h, replace, show } from "./dom.js";
import { t, term, onLanguageChange } from "./i18n.js";
import { shortTime } from "./format.js";
import { reporter } from "./incident-words.js";
import { fieldError, focusFirstInvalid, resetErrors } from "./form-errors.js";

const REASONS = ["PRANK", "SILENT", "NON_EMERGENCY", "DUPLICATE"];
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const DUPLICATE_CHOICES = 50; // the newest open incidents offered as the original

export class RejectForm {
  constructor({ store, forms, messages, lists, incidentView, api, announce }) {
    this.name = "reject";
    this.element = $("#reject-form");
    this.store = store;
    this.forms = forms;
    this.messages = messages;
    this.lists = lists;
    this.incidentView = incidentView;
    this.api = api;
    this.announce = announce;
    this.fillOptions();
    $("#reject-reason-options").addEventListener("change", () => this.reasonChanged());
    $("#reject-duplicate-pick").addEventListener("change", () => {
      const value = $("#reject-duplicate-pick").value;
      if (value) $("#reject-duplicate-of").value = value;
    });
    this.element.addEventListener("submit", (e) => this.submit(e));
    onLanguageChange(() => {
      this.fillOptions();
      this.fillDuplicates();
    });
    forms.add(this);
  }

  fillOptions() {
    const checked = $("#reject-reason-options input:checked")?.value;
    replace(
      $("#reject-reason-options"),
      REASONS.map((r) =>
        h("label", { class: "option" }, h("input", { type: "radio", name: "reason", value: r, id: `reject-reason-${r}`, checked: r === checked }), " ", term("reason", r)),
      ),
    );
    this.reasonChanged();
  }

  reasonChanged() {
    const reason = $("#reject-reason-options input:checked")?.value;
    show($("#reject-duplicate"), reason === "DUPLICATE");
    const label = $("#reject-note-label");
    label.dataset.i18n = reason === "NON_EMERGENCY" ? "adviceNote" : "note";
    label.textContent = t(label.dataset.i18n);
    if (reason === "DUPLICATE") this.fillDuplicates();
  }

  /** Open incidents to pick the original from: short lines (…last 6 of the id, when, channel, who). */
  fillDuplicates() {
    const self = this.store.openId;
    const picked = $("#reject-duplicate-pick").value;
    const open = this.lists
      .openItems()
      .filter((i) => i.id !== self)
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, DUPLICATE_CHOICES);
    replace(
      $("#reject-duplicate-pick"),
      h("option", { value: "" }, t("duplicateNone")),
      open.map((i) =>
        h("option", { value: i.id }, `…${i.id.slice(-6)} · ${shortTime(i.receivedAt)} · ${term("channel", i.channel)} · ${reporter(i) || t("callerUnknown")}`),
      ),
    );
    if (picked && open.some((i) => i.id === picked)) $("#reject-duplicate-pick").value = picked;
  }

  prepare() {
    for (const input of $$("#reject-reason-options input")) input.checked = false;
    $("#reject-duplicate-of").value = "";
    $("#reject-note").value = "";
    this.reasonChanged();
  }

  values() {
    return {
      reason: $("#reject-reason-options input:checked")?.value || "",
      duplicateOf: $("#reject-duplicate-of").value,
      note: $("#reject-note").value,
    };
  }

  apply(values) {
    for (const input of $$("#reject-reason-options input")) input.checked = input.value === values.reason;
    $("#reject-duplicate-of").value = values.duplicateOf;
    $("#reject-note").value = values.note;
    this.reasonChanged();
  }

  async submit(event) {
    event.preventDefault();
    const form = this.element;
    resetErrors(form);
    const reason = $("#reject-reason-options input:checked")?.value;
    const note = $("#reject-note").value.trim();
    const duplicateOf = $("#reject-duplicate-of").value.trim().toUpperCase();
    let invalid = false;
    const fail = (field, key) => {
      invalid = true;
      fieldError("reject", field, t(key));
    };
    if (!reason) fail("reason", "err_reason");
    if (reason === "NON_EMERGENCY" && note.length < 3) fail("note", "err_advice");
    if (note.length > 1000) fail("note", "err_note");
    if (reason === "DUPLICATE" && !ULID.test(duplicateOf)) fail("duplicateOf", "err_duplicateOf");
    else if (reason === "DUPLICATE" && duplicateOf === this.store.openId) fail("duplicateOf", "err_duplicateSelf");
    if (invalid) return focusFirstInvalid(form);
    const body = { reason };
    if (note) body.note = note;
    if (reason === "DUPLICATE") body.duplicateOf = duplicateOf;
    const incident = this.store.incident;
    await this.forms.send(form, async () => {
      await this.api.act(incident.id, "reject", body);
      this.forms.finish(incident.id);
      this.messages.setNotice(() => t("rejected", { reason: term("reason", reason) }));
      this.announce(t("rejected", { reason: term("reason", reason) }));
      this.lists.refreshSoon("IN_REVIEW");
      await this.incidentView.refresh();
      $("#detail-heading").focus();
    }, { reason: "reason", note: "note", duplicateOf: "duplicateOf" });
  }
}
