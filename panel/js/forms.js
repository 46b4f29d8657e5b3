// The verify and reject forms beside the open incident: opening one (only on an incident one reviews;
// otherwise saying why), closing it with what was typed kept as the incident's draft (drafts.js, said in
// the notice), bringing that draft back, discarding it, and sending a form's request with its errors by
// the fields. What each form holds is its own module (verify-form.js, reject-form.js), added with add():
// {name, element, prepare(incident), values(), apply(values)} and forget() if it holds more than its fields.
import { $, $$, replace, show } from "./dom.js";
import { t, term } from "./i18n.js";
import { ApiError } from "./api.js";
import { describeError } from "./errors.js";
import { messageNodes } from "./messages.js";
import { lostReason } from "./conflicts.js";
import { resetForm, serverFieldErrors } from "./form-errors.js";
import { AMENDABLE } from "./amend.js";

const FORM_KEYS = { verify: "v", reject: "r", update: "Shift+U" }; // the key that opens each form again

export class FormDesk {
  constructor({ store, drafts, messages, conflicts, map, announce }) {
    this.store = store;
    this.drafts = drafts;
    this.messages = messages;
    this.conflicts = conflicts;
    this.map = map;
    this.announce = announce;
    this.kinds = new Map(); // name -> the form's module
    this.baseline = {}; // name -> its values as prepared (a form differing from them is dirty)
    for (const button of $$("[data-cancel-form]")) button.addEventListener("click", () => this.close(true));
    for (const button of $$("[data-discard-form]")) button.addEventListener("click", () => this.discard());
    // The phone pane folded or the window changed: the open form may fit beside the facts now.
    window.addEventListener("resize", () => {
      const open = this.openElement();
      if (open) requestAnimationFrame(() => this.reveal(open));
    });
    store.on("leave", ({ from, to }) => this.leave(from, to));
    store.on("opened", ({ id }) => this.restore(id));
    store.on("detail", ({ incident }) => this.check(incident));
  }

  add(kind) {
    this.kinds.set(kind.name, kind);
  }

  openElement() {
    return this.store.form ? this.kinds.get(this.store.form).element : null;
  }

  isDirty(which = this.store.form) {
    if (!which || !this.baseline[which]) return false;
    return JSON.stringify(this.kinds.get(which).values()) !== JSON.stringify(this.baseline[which]);
  }

  /** Keep what the open form holds as the incident's draft (or forget the draft if nothing was typed). */
  saveDraft(which, { reopen = false } = {}) {
    const id = this.store.openId;
    if (!id || !which) return false;
    const draft = this.drafts.get(id) || {};
    const dirty = this.isDirty(which);
    if (dirty) draft[which] = this.kinds.get(which).values();
    else delete draft[which];
    draft.open = dirty && reopen ? which : draft.open === which ? null : draft.open;
    if (draft.verify || draft.reject || draft.update) this.drafts.set(id, draft);
    else this.drafts.delete(id);
    return dirty;
  }

  /** Whether the form may be open on the incident: the review's forms on one's own review, the update on
   * a verified incident (anyone's). */
  allowed(which, incident = this.store.incident) {
    if (!incident) return false;
    return which === "update" ? AMENDABLE.includes(incident.status) : this.store.canReview();
  }

  open(which, { focus = true } = {}) {
    const incident = this.store.incident;
    if (!incident) return;
    if (!this.allowed(which, incident)) return this.sayWhyNot(incident, which);
    const kind = this.kinds.get(which);
    const form = kind.element;
    if (this.store.form === which) {
      if (focus) this.focusFirst(form);
      return;
    }
    if (this.store.form) this.close(false); // the other form: its input stays a draft
    this.store.setForm(which);
    this.messages.clearAlert();
    resetForm(form);
    kind.prepare(incident);
    this.baseline[which] = kind.values();
    const draft = this.drafts.get(incident.id);
    if (draft?.[which]) {
      kind.apply(draft[which]);
      this.messages.setNotice(() => t("draftRestored"));
    } else if (this.messages.notice && this.messages.notice() === t("draftRestored")) {
      this.messages.setNotice(null);
    }
    if (draft) draft.open = null;
    show(form);
    $("#detail-grid").classList.add("working");
    this.map.invalidate(); // the form took room from the map
    this.reveal(form);
    if (focus) this.focusFirst(form);
  }

  /** Scroll the pane so that the form shows below the sticky head, as much of it as fits; from the
   * top when it fits from there (the facts and the citizen's words stay in view beside it). */
  reveal(form) {
    const pane = $("#detail-pane");
    const head = $("#detail-top").getBoundingClientRect().bottom + 6;
    const box = form.getBoundingClientRect();
    const bottom = pane.getBoundingClientRect().bottom;
    const fromTop = box.bottom + pane.scrollTop; // where its end would be with the pane at its top
    if (fromTop <= bottom) {
      pane.scrollTop = 0;
      return;
    }
    if (box.top >= head && box.bottom <= bottom) return;
    pane.scrollTop += box.top - head;
  }

  /** The forms (and the point) are for the incident one reviews: say so instead of doing nothing. */
  sayWhyNot(incident, which = "verify") {
    let why;
    if (which === "update") {
      why = () => t("updateNotNow", { status: term("status", incident.status) });
      this.messages.setNotice(why);
    } else if (incident.status === "IN_REVIEW") {
      why = lostReason(incident, this.store.me, { holder: incident.assignedTo });
      this.messages.setAlert(why);
    } else {
      why = incident.status === "RECEIVED" ? () => t("claimFirst") : () => t("formNotNow", { status: term("status", incident.status) });
      this.messages.setNotice(why);
    }
    this.announce(why());
  }

  focusFirst(form) {
    const checked = form.querySelector('input[type="radio"]:checked');
    const first = form.querySelector("select, input, textarea");
    const target = first && first.type === "radio" && checked ? checked : first;
    if (target) target.focus();
  }

  /** Back into the open form, if there is one (the call pop was put off). */
  focusOpen() {
    const open = this.openElement();
    if (open) this.focusFirst(open);
  }

  /** Hide the open form; what was typed stays as the incident's draft (said in the notice). */
  close(focusBack, { reopen = false, quiet = false } = {}) {
    const which = this.store.form;
    if (!which) return false;
    const kept = this.saveDraft(which, { reopen });
    this.store.setForm(null);
    for (const kind of this.kinds.values()) show(kind.element, false);
    $("#detail-grid").classList.remove("working");
    if (kept && !quiet && !reopen) {
      this.messages.setNotice(() => t("draftKept", { key: FORM_KEYS[which] }));
      this.announce(t("draftKept", { key: FORM_KEYS[which] }));
    }
    if (focusBack) {
      const button = $(`#${which}-button`);
      (button && !button.hidden ? button : $("#detail-heading")).focus();
    }
    return kept;
  }

  /** Forget the open form's input (its draft too) and close it. */
  discard() {
    const which = this.store.form;
    const id = this.store.openId;
    if (!which || !id) return;
    const draft = this.drafts.get(id);
    if (draft) {
      delete draft[which];
      if (!draft.verify && !draft.reject && !draft.update) this.drafts.delete(id);
    }
    this.kinds.get(which).apply(this.baseline[which]);
    this.close(true);
    this.messages.setNotice(() => t("draftDiscarded"));
    this.announce(t("draftDiscarded"));
  }

  /** The view leaves an incident: its open form becomes a draft, the point chosen on it is forgotten. */
  leave(from, to) {
    if (this.store.form) {
      const kept = this.close(false, { reopen: true });
      if (kept && to) this.messages.setNotice(() => t("draftKeptFor", { ref: from.slice(-6) }));
    }
    for (const kind of this.kinds.values()) kind.forget?.();
  }

  /** An incident was opened: the form left open on it with a draft comes back. */
  restore(id) {
    const draft = this.drafts.get(id);
    if (draft?.open && !this.store.form && this.allowed(draft.open)) {
      this.open(draft.open, { focus: false });
      this.messages.setNotice(() => t("draftRestored"));
    }
  }

  /** While a form is open, the incident may move away (reassigned, changed elsewhere): say so, keep
   * what was typed as a draft. */
  check(incident) {
    if (!this.store.form) return;
    if (this.allowed(this.store.form, incident)) return;
    const focusWasInForm = Boolean(document.activeElement?.closest?.(".work-form"));
    const kept = this.close(false, { reopen: true, quiet: true });
    const reason = lostReason(incident, this.store.me);
    this.messages.setAlert(kept ? () => `${reason()} ${t("draftKeptShort")}` : reason);
    this.announce(this.messages.alertMessage());
    if (focusWasInForm) this.messages.focusAlert();
  }

  /** A form went through: it and its draft are done. */
  finish(id) {
    this.drafts.delete(id);
    this.store.setForm(null);
    for (const kind of this.kinds.values()) {
      show(kind.element, false);
      kind.forget?.();
    }
    $("#detail-grid").classList.remove("working");
  }

  /** Send a form's request. 422: next to the fields. 409: explained, the input kept (the form stays if
   * the incident is still ours, else it becomes a draft). Anything else: said in the form, kept open. */
  async send(form, action, fields) {
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    button.disabled = true;
    const which = form.id.replace(/-form$/, "");
    try {
      await action();
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) serverFieldErrors(which, error, fields);
      else if (error instanceof ApiError && error.status === 409) {
        await this.conflicts.explain(error); // refreshes: check() turns the form into a draft if it is no longer ours
        if (this.store.form === which) {
          replace($(`#${which}-error`), messageNodes(t("conflictKeptForm")));
        }
      } else if (!(error instanceof ApiError && error.status === 401)) {
        replace($(`#${which}-error`), messageNodes(describeError(error)));
        this.announce(describeError(error).text);
      }
    } finally {
      button.disabled = false;
    }
  }
}
