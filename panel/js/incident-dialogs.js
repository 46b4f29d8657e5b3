// The open incident's dialogs: acknowledge an agency's confirmation (with a note), close the incident
// (with its outcome), reassign it to another operator (supervisors). A note typed and then closed with
// Esc is still there when the dialog opens again for the same incident; for another one it starts empty.
import { $, h, replace } from "./dom.js";
import { t, term } from "./i18n.js";
import { ApiError } from "./api.js";
import { closeDialog, openDialog } from "./dialogs.js";
import { agencyName } from "./incident-words.js";
import { DISPATCHED_STATUSES } from "./polling.js";
import { fieldError, focusFirstInvalid, resetErrors, resetForm, serverFieldErrors } from "./form-errors.js";

export class IncidentDialogs {
  constructor({ store, messages, conflicts, lists, incidentView, api, agencies, announce }) {
    this.store = store;
    this.messages = messages;
    this.conflicts = conflicts;
    this.lists = lists;
    this.incidentView = incidentView;
    this.api = api;
    this.agencies = agencies;
    this.announce = announce;
    $("#ack-form").addEventListener("submit", (e) => this.submitAck(e));
    $("#close-form").addEventListener("submit", (e) => this.submitClose(e));
    $("#reassign-form").addEventListener("submit", (e) => this.submitReassign(e));
  }

  agencyName(code) {
    return agencyName(this.agencies, code);
  }

  openAck(agency = null) {
    const incident = this.store.incident;
    if (!incident || incident.status !== "DISPATCHED") return;
    const pending = incident.dispatches.filter((d) => d.status === "NOTIFIED" && !d.withdrawnAt);
    if (!pending.length) return;
    const form = $("#ack-form");
    this.prepare(form, incident.id);
    replace($("#ack-agency"), pending.map((d) => h("option", { value: d.agency }, this.agencyName(d.agency))));
    $("#ack-agency").value = agency && pending.some((d) => d.agency === agency) ? agency : pending[0].agency;
    openDialog($("#ack-dialog"));
  }

  async submitAck(event) {
    event.preventDefault();
    const form = $("#ack-form");
    resetErrors(form);
    const agency = $("#ack-agency").value;
    const note = $("#ack-note").value.trim();
    if (note.length > 1000) {
      fieldError("ack", "note", t("err_note"));
      return focusFirstInvalid(form);
    }
    const incident = this.store.incident;
    await this.send(form, "ack-dialog", async () => {
      await this.api.acknowledge(incident.id, agency, note || null);
      this.messages.setNotice(() => t("acknowledged", { agency: this.agencyName(agency) }));
      this.announce(t("acknowledged", { agency: this.agencyName(agency) }));
      this.lists.refreshSoon(...DISPATCHED_STATUSES);
      await this.incidentView.refresh();
    }, { note: "note" });
  }

  openClose() {
    const incident = this.store.incident;
    if (!incident || !["ACKNOWLEDGED", "DISPATCHED"].includes(incident.status)) return;
    this.prepare($("#close-form"), incident.id);
    openDialog($("#close-dialog"));
  }

  async submitClose(event) {
    event.preventDefault();
    const form = $("#close-form");
    resetErrors(form);
    const note = $("#close-note").value.trim();
    if (note.length < 1 || note.length > 1000) {
      fieldError("close", "note", t("err_outcome"));
      return focusFirstInvalid(form);
    }
    const incident = this.store.incident;
    await this.send(form, "close-dialog", async () => {
      await this.api.act(incident.id, "close", { note });
      this.messages.setNotice(() => t("closed"));
      this.announce(t("closed"));
      this.lists.refreshSoon(...DISPATCHED_STATUSES);
      await this.incidentView.refresh();
    }, { note: "note" });
  }

  async openReassign() {
    const incident = this.store.incident;
    if (!this.store.isSupervisor || !incident || incident.status !== "IN_REVIEW") return;
    const form = $("#reassign-form");
    resetForm(form);
    let operators;
    try {
      operators = await this.api.operators();
    } catch (error) {
      return this.conflicts.explain(error);
    }
    const choices = operators.filter((o) => o.enabled !== false && o.username !== incident.assignedTo);
    replace(
      $("#reassign-assignee"),
      h("option", { value: "" }, t("chooseOperator")),
      choices.map((o) => h("option", { value: o.username }, `${o.username} (${o.groups.map((g) => term("role", g)).join(", ")})`)),
    );
    openDialog($("#reassign-dialog"));
  }

  async submitReassign(event) {
    event.preventDefault();
    const form = $("#reassign-form");
    resetErrors(form);
    const assignee = $("#reassign-assignee").value;
    if (!assignee) {
      fieldError("reassign", "assignee", t("err_assignee"));
      return focusFirstInvalid(form);
    }
    const incident = this.store.incident;
    await this.send(form, "reassign-dialog", async () => {
      await this.api.act(incident.id, "reassign", { assignee });
      this.messages.setNotice(() => t("reassigned", { user: assignee }));
      this.announce(t("reassigned", { user: assignee }));
      this.lists.refreshSoon("IN_REVIEW");
      await this.incidentView.refresh();
    }, { assignee: "assignee" });
  }

  /** The same incident keeps what was typed (only its errors go); another one starts empty. */
  prepare(form, incidentId) {
    if (form.dataset.incident === incidentId) return resetErrors(form);
    resetForm(form);
    form.dataset.incident = incidentId;
  }

  /** Send a dialog's request: done, it closes; a 422 stays in it by the fields; anything else closes it
   * and is explained over the incident. */
  async send(form, dialogId, action, fields) {
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    button.disabled = true;
    this.messages.clearAlert();
    const dialog = $(`#${dialogId}`);
    try {
      await action();
      delete form.dataset.incident; // done: the next one starts empty
      closeDialog(dialog);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        serverFieldErrors(form.id.replace(/-form$/, ""), error, fields);
      } else {
        dialog.returnTo = null; // focus goes to the explanation, not back to the button
        closeDialog(dialog);
        await this.conflicts.explain(error);
      }
    } finally {
      button.disabled = false;
    }
  }
}
