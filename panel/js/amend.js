// After verification (docs/api.md): Shift+U corrects a verified incident in the verify form itself,
// prefilled with the incident as it is (its category, priority, place, summary, agencies and posts), and
// sends only to POST /update; Shift+X cancels a false alarm found later, with the reason the posts read;
// Shift+O (supervisors) reopens a wrong rejection or closing, with a reason for the audit.
import { $ } from "./dom.js";
import { t, term } from "./i18n.js";
import { ApiError } from "./api.js";
import { closeDialog, openDialog } from "./dialogs.js";
import { DISPATCHED_STATUSES } from "./polling.js";
import { fieldError, focusFirstInvalid, resetErrors, resetForm, serverFieldErrors } from "./form-errors.js";

export const AMENDABLE = ["VERIFIED", "DISPATCHED", "ACKNOWLEDGED"];
export const REOPENABLE = ["REJECTED", "CLOSED"];

/** The verify form as a second kind for the form desk (forms.js): the same element and fields, another
 * request. Its values, draft and point are the verify form's own. */
export class UpdateForm {
  constructor({ verify, forms, book }) {
    this.name = "update";
    this.verify = verify;
    this.element = verify.element;
    this.book = book;
    forms.add(this);
  }

  prepare(incident) {
    this.verify.prepare(incident);
    this.verify.words("update");
    $("#verify-category").value = incident.category || "";
    for (const input of this.element.querySelectorAll("#verify-priority-options input")) input.checked = input.value === incident.priority;
    this.verify.checkAgencies(incident.agencies || []);
    this.verify.agenciesTouched = true; // the incident's agencies stand until the operator changes them
    const posts = (incident.posts || []).map((id) => {
      const post = this.book.posts.get(id);
      return { id, name: post?.name || id, agency: post?.agency || "", chosen: true, placeholder: post?.placeholder, onDuty: null, regencyLevel: post?.regencyLevel, fallback: false, sms: post?.contacts?.sms || [] };
    });
    this.verify.posts.apply({ items: posts, touched: true, known: posts.length > 0, note: null, types: incident.agencies || [] });
    this.verify.map.setPickable(true); // a corrected place may be picked on the map, as at verification
  }

  values() {
    return this.verify.values();
  }

  apply(values) {
    this.verify.apply(values);
  }

  forget() {
    this.verify.words("verify");
    this.verify.forget();
    this.verify.map.setPickable(this.verify.store.canReview());
  }
}

/** Cancel (any operator) and reopen (supervisors), each in its dialog with a reason. */
export class AmendDialogs {
  constructor({ store, messages, conflicts, lists, incidentView, api, announce }) {
    Object.assign(this, { store, messages, conflicts, lists, incidentView, api, announce });
    $("#cancel-form").addEventListener("submit", (event) => this.submitCancel(event));
    $("#reopen-form").addEventListener("submit", (event) => this.submitReopen(event));
  }

  openCancel() {
    const incident = this.store.incident;
    if (!incident) return;
    if (!AMENDABLE.includes(incident.status)) return this.sayNot(incident, "cancelNotNow");
    this.prepare($("#cancel-form"), incident.id);
    openDialog($("#cancel-dialog"));
  }

  openReopen() {
    const incident = this.store.incident;
    if (!incident || !this.store.isSupervisor) return;
    if (!REOPENABLE.includes(incident.status)) return this.sayNot(incident, "reopenNotNow");
    this.prepare($("#reopen-form"), incident.id);
    $("#reopen-intro").textContent = t(incident.status === "REJECTED" || !incident.dispatchedAt ? "reopenToReview" : "reopenToAgencies");
    openDialog($("#reopen-dialog"));
  }

  sayNot(incident, key) {
    const why = () => t(key, { status: term("status", incident.status) });
    this.messages.setNotice(why);
    this.announce(why());
  }

  prepare(form, incidentId) {
    if (form.dataset.incident === incidentId) return resetErrors(form);
    resetForm(form);
    form.dataset.incident = incidentId;
  }

  async submitCancel(event) {
    event.preventDefault();
    const reason = this.reason("cancel");
    if (reason === null) return;
    const incident = this.store.incident;
    await this.send("cancel", async () => {
      await this.api.act(incident.id, "cancel", { reason });
      this.messages.setNotice(() => t("incidentCancelled"));
      this.announce(t("incidentCancelled"));
      this.lists.refreshSoon(...DISPATCHED_STATUSES, "VERIFIED");
    });
  }

  async submitReopen(event) {
    event.preventDefault();
    const reason = this.reason("reopen");
    if (reason === null) return;
    const incident = this.store.incident;
    await this.send("reopen", async () => {
      const reopened = await this.api.act(incident.id, "reopen", { reason });
      const said = () => t("incidentReopened", { status: term("status", reopened?.status || "IN_REVIEW") });
      this.messages.setNotice(said);
      this.announce(said());
      this.lists.refreshSoon("IN_REVIEW", ...DISPATCHED_STATUSES);
    });
  }

  /** The reason typed (3-500 characters), or null with the error said by the field. */
  reason(which) {
    const form = $(`#${which}-form`);
    resetErrors(form);
    const reason = $(`#${which}-reason`).value.trim();
    if (reason.length >= 3 && reason.length <= 500) return reason;
    fieldError(which, "reason", t("err_amendReason"));
    focusFirstInvalid(form);
    return null;
  }

  async send(which, action) {
    const form = $(`#${which}-form`);
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    button.disabled = true;
    this.messages.clearAlert();
    const dialog = $(`#${which}-dialog`);
    try {
      await action();
      delete form.dataset.incident;
      closeDialog(dialog);
      await this.incidentView.refresh();
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        serverFieldErrors(which, error, { reason: "reason" });
      } else {
        dialog.returnTo = null;
        closeDialog(dialog);
        await this.conflicts.explain(error);
      }
    } finally {
      button.disabled = false;
    }
  }
}
