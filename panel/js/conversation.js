// Writing to the citizen from the open incident (docs/panel.md#conversations): w opens a dialog. On an
// Instagram message or an X direct message it sends through POST /incidents/{id}/messages (Ctrl+Enter
// sends, Esc closes, what was typed is kept for the same incident); a web report or a call has no
// conversation, so the dialog shows the reporter's number as a tel: link to call back instead. Only the
// operator who holds the incident, or a supervisor, gets either. Each message has an id made here and
// kept until it is answered: sending again after a lost answer or a 503 is the same message, sent once.
import { $, h, replace, show } from "./dom.js";
import { t, term, onLanguageChange } from "./i18n.js";
import { ApiError } from "./api.js";
import { closeDialog, openDialog } from "./dialogs.js";
import { fieldError, focusFirstInvalid, resetErrors, resetForm, serverFieldErrors } from "./form-errors.js";

export const MAX_TEXT = 1000; // Instagram's bound; the API refuses more
const OPEN = ["RECEIVED", "IN_REVIEW", "VERIFIED", "DISPATCHED", "ACKNOWLEDGED"];

/** Whether the citizen can be written to: an Instagram sender or the sender of an X direct message. */
export function canMessage(incident) {
  const source = incident.source || {};
  if (incident.channel === "INSTAGRAM") return Boolean(source.instagramSender);
  return incident.channel === "TWITTER" && source.kind === "dm" && Boolean(source.twitterUser);
}

export class Conversation {
  constructor({ store, api, incidentView, conflicts, messages, announce }) {
    Object.assign(this, { store, api, incidentView, conflicts, messages, announce });
    this.pending = null; // {incident, text, id}: a message sent without an answer yet
    $("#write-button").addEventListener("click", () => this.open());
    $("#write-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    $("#write-text").addEventListener("input", () => this.count());
    store.on("detail", () => this.render());
    store.on("incident", ({ id }) => {
      if (!id) show($("#write-button"), false);
    });
    onLanguageChange(() => {
      this.render();
      this.count();
    });
  }

  /** The operator who holds the open incident, or a supervisor, while it is open. */
  allowed(incident = this.store.incident) {
    return Boolean(incident && OPEN.includes(incident.status) && (incident.assignedTo === this.store.me || this.store.isSupervisor));
  }

  render() {
    const incident = this.store.incident;
    const allowed = this.allowed(incident);
    show($("#write-button"), allowed);
    if (allowed) $("#write-button").textContent = canMessage(incident) ? t("writeCitizen") : t("callCitizen");
  }

  /** w: the dialog for the open incident (nothing for others: the key does nothing it may not do). */
  open() {
    const incident = this.store.incident;
    if (!this.allowed(incident)) return;
    const form = $("#write-form");
    const messaging = canMessage(incident);
    if (form.dataset.incident !== incident.id) {
      resetForm(form);
      form.dataset.incident = incident.id;
      this.pending = null;
    } else {
      resetErrors(form);
    }
    show($("#write-compose"), messaging);
    show($("#write-submit"), messaging);
    replace($("#write-intro"), messaging ? t("writeIntro", { channel: term("channel", incident.channel) }) : this.callBack(incident));
    this.count();
    openDialog($("#write-dialog"), { focus: messaging ? "#write-text" : "#write-call" });
  }

  /** A web report or a call: no message can go back; the number to call, as a tel: link. */
  callBack(incident) {
    const reason = t("writeNoConversation", { channel: term("channel", incident.channel) });
    if (!incident.caller) return [reason, " ", h("span", { id: "write-call", tabindex: "-1" }, t("writeNoNumber"))];
    return [reason, " ", t("writeCallBack"), " ", h("a", { id: "write-call", href: `tel:${incident.caller}` }, incident.caller)];
  }

  count() {
    const length = $("#write-text").value.trim().length;
    $("#write-count").textContent = t("writeCount", { n: length, max: MAX_TEXT });
  }

  async send() {
    const incident = this.store.incident;
    const form = $("#write-form");
    const button = $("#write-submit");
    if (!incident || !canMessage(incident) || button.disabled) return;
    resetErrors(form);
    const text = $("#write-text").value.trim();
    if (text.length < 1 || text.length > MAX_TEXT) {
      fieldError("write", "text", t("err_writeText"));
      return focusFirstInvalid(form);
    }
    // The same words again on the same incident are the same message until the API answered it.
    const same = this.pending && this.pending.incident === incident.id && this.pending.text === text;
    const id = same ? this.pending.id : `msg-${crypto.randomUUID()}`;
    this.pending = { incident: incident.id, text, id };
    button.disabled = true;
    this.messages.clearAlert();
    try {
      await this.api.act(incident.id, "messages", { messageId: id, text });
      this.pending = null;
      delete form.dataset.incident;
      closeDialog($("#write-dialog"));
      this.messages.setNotice(() => t("writeQueued"));
      this.announce(t("writeQueued"));
      await this.incidentView.refresh();
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        serverFieldErrors("write", error, { text: "text", messageId: "text" });
        focusFirstInvalid(form);
      } else if (error instanceof ApiError && (error.status === 0 || error.status === 503 || error.status >= 500)) {
        // Perhaps recorded, perhaps not: sending again is the same message (its id is kept).
        replace($("#write-error"), t("writeRetry"));
      } else {
        $("#write-dialog").returnTo = null;
        closeDialog($("#write-dialog"));
        await this.conflicts.explain(error);
      }
    } finally {
      button.disabled = false;
    }
  }
}
