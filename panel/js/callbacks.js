// The callback desk (docs/callbacks.md): the tab "Panggil balik" lists the abandoned and silent calls
// awaiting a call back, oldest first (GET /callbacks, polled only while the tab is shown; its count comes
// from the lists' own polls), with how long each has waited, the number, the attempts so far and the
// caller's other recent incidents. The operator calls back through the softphone (click-to-dial; without
// Amazon Connect the number is shown to dial on the desk phone) and records each attempt's outcome; a
// caller reached goes into review with that operator (the verify form opens), and after the regency's
// number of failed attempts the call may be closed as unreachable. The open incident offers the same, and
// marking a call silent. Keyboard: j/k, Enter, b (call), o (outcome), u (unreachable), s (silent).
import { $, $$, h, replace, show } from "./dom.js";
import { t, term, lang, onLanguageChange } from "./i18n.js";
import { clock, shortTime, waited } from "./format.js";
import { ApiError } from "./api.js";
import { describeError, problemName } from "./errors.js";
import { CALLBACKS_POLL_MS, MAX_BACKOFF_MS, TICK_MS } from "./polling.js";
import { closeDialog, openDialog } from "./dialogs.js";
import { fieldError, focusFirstInvalid, resetErrors, resetForm, serverFieldErrors } from "./form-errors.js";
import { messageNodes } from "./messages.js";
import { canDial, dial } from "./connect.js";
import { flagChip } from "./incident-words.js";

const OUTCOMES = ["REACHED", "NO_ANSWER", "BUSY", "SILENT", "WRONG_NUMBER"];
const OPEN = ["RECEIVED", "IN_REVIEW"];
const DEFAULT_ALLOWED = 3; // the regency's number until the desk's first answer says it

/** Whether an incident is on the callback desk (core/lifecycle.py awaiting_callback). */
export function awaitingCallback(incident) {
  const callback = incident?.callback;
  return Boolean(callback && !callback.doneAt && OPEN.includes(incident.status));
}

function failedAttempts(incident) {
  return (incident.callback?.attempts || []).filter((a) => a.outcome !== "REACHED").length;
}

/** Whether the desk may close it as unreachable now (core/lifecycle.py may_close_unreachable). */
function mayClose(incident, allowed) {
  if (!awaitingCallback(incident)) return false;
  const attempts = incident.callback.attempts || [];
  const wrong = attempts.length > 0 && attempts[attempts.length - 1].outcome === "WRONG_NUMBER";
  return !incident.caller || wrong || failedAttempts(incident) >= allowed;
}

function newAttemptId() {
  return `cb-${crypto.randomUUID()}`;
}

export class CallbackDesk {
  constructor({ store, api, lists, incidentView, forms, messages, announce }) {
    this.store = store;
    this.api = api;
    this.lists = lists;
    this.incidentView = incidentView;
    this.forms = forms;
    this.messages = messages;
    this.announce = announce;
    this.active = false; // the tab is shown
    this.entries = []; // the desk's last answer
    this.more = false;
    this.loaded = false;
    this.allowed = DEFAULT_ALLOWED;
    this.selected = null;
    this.busy = false;
    this.at = 0;
    this.failures = 0;
    this.retryMs = 0;
    this.okAt = null;
    this.failure = null; // the status of the failing poll
    this.notice = null; // () => text shown over the desk's list
    this.pending = new Map(); // incident id -> the attempt id of an attempt not yet recorded (a retry)
    this.target = null; // the incident a dialog acts on
    this.signature = "";
    this.timer = null;
    this.clockTimer = null;
    this.buildOutcomes();
    store.on("tab", ({ tab }) => this.setActive(tab === "callbacks"));
    store.on("detail", () => this.renderActions());
    onLanguageChange(() => {
      this.buildOutcomes();
      this.signature = "";
      this.render();
      this.renderActions();
    });
    $("#callbacks-list").addEventListener("click", (event) => {
      const button = event.target.closest("button.row");
      if (button) {
        this.select(button.dataset.id, false);
        this.incidentView.open(button.dataset.id);
      }
    });
    $("#desk-dial").addEventListener("click", () => this.dial());
    $("#desk-record").addEventListener("click", () => this.openRecord());
    $("#desk-unreachable").addEventListener("click", () => this.openUnreachable());
    $("#dial-button").addEventListener("click", () => this.dial(this.store.incident));
    $("#callback-button").addEventListener("click", () => this.openRecord(this.store.incident));
    $("#unreachable-button").addEventListener("click", () => this.openUnreachable(this.store.incident));
    $("#silent-button").addEventListener("click", () => this.openSilent());
    $("#callback-form").addEventListener("submit", (event) => this.submitRecord(event));
    $("#unreachable-form").addEventListener("submit", (event) => this.submitUnreachable(event));
    $("#silent-form").addEventListener("submit", (event) => this.submitSilent(event));
  }

  start() {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.clockTimer = setInterval(() => this.tickClocks(), 1000);
  }

  stop() {
    clearInterval(this.timer);
    clearInterval(this.clockTimer);
    this.entries = [];
    this.loaded = false;
    this.selected = null;
    this.notice = null;
    this.failure = null;
    this.pending.clear();
    this.signature = "";
    replace($("#callbacks-list"));
    this.setActive(false);
  }

  setActive(active) {
    this.active = active;
    show($("#lists-view"), !active);
    show($("#callbacks-desk"), active);
    if (active) this.at = 0; // poll at the next tick
    this.render();
  }

  // -- the poll ------------------------------------------------------------------------------------

  tick() {
    if (!this.active || this.busy) return;
    const wait = this.failures
      ? Math.max(CALLBACKS_POLL_MS, this.retryMs, Math.min(MAX_BACKOFF_MS, CALLBACKS_POLL_MS * 2 ** this.failures))
      : CALLBACKS_POLL_MS;
    if (Date.now() - this.at >= wait) this.refresh();
  }

  async refresh() {
    this.busy = true;
    try {
      const page = await this.api.get("/callbacks?limit=50");
      this.entries = page.items || [];
      this.more = Boolean(page.nextCursor);
      if (this.entries.length) this.allowed = this.entries[0].attemptsAllowed;
      this.loaded = true;
      this.failures = 0;
      this.retryMs = 0;
      this.failure = null;
      this.okAt = new Date();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) {
        this.failures = Math.min(this.failures + 1, 6);
        this.retryMs = error instanceof ApiError && error.retryAfter ? error.retryAfter * 1000 : 0;
        this.failure = error instanceof ApiError ? error.status : 0;
      }
    } finally {
      this.busy = false;
      this.at = Date.now();
      this.render();
    }
  }

  /** Poll again now: an attempt changed the desk. */
  refreshSoon() {
    this.at = 0;
    this.lists.refreshSoon("RECEIVED", "IN_REVIEW");
  }

  // -- the list ------------------------------------------------------------------------------------

  render() {
    this.renderCount();
    const error = $("#desk-error");
    const text = this.failure === null ? "" : this.okAt ? t("pollStale", { time: clock(this.okAt), problem: problemName(this.failure) }) : t("pollNeverLoaded", { problem: problemName(this.failure) });
    if (error.textContent !== text) error.textContent = text;
    show(error, Boolean(text));
    replace($("#desk-notice"), this.notice ? messageNodes(this.notice()) : null);
    if (!this.active) return;
    show($("#callbacks-empty"), this.loaded && !this.entries.length);
    show($("#callbacks-more"), this.more);
    const signature = JSON.stringify([lang(), this.selected, this.store.openId, this.entries]);
    if (signature === this.signature) return;
    this.signature = signature;
    const focusedId = document.activeElement?.closest?.("#callbacks-list button.row")?.dataset.id;
    if (!this.entries.some((e) => e.incident.id === this.selected)) this.selected = this.entries[0]?.incident.id ?? null;
    replace(
      $("#callbacks-list"),
      this.entries.map((entry) => this.row(entry)),
    );
    if (focusedId) (this.rowFor(focusedId) || this.rowFor(this.selected))?.focus();
    this.tickClocks();
  }

  renderCount() {
    const count = this.active && this.loaded ? this.entries.length : this.lists.awaitingCallbacks().length;
    $("#count-callbacks").textContent = count ? String(count) + (this.active && this.more ? "+" : "") : "";
  }

  row(entry) {
    const incident = entry.incident;
    const callback = incident.callback;
    const last = callback.attempts[callback.attempts.length - 1];
    const recent = entry.recentIncidents || [];
    const described = recent
      .map((r) => `${term("status", r.status)}${r.rejectionReason ? ` (${term("reason", r.rejectionReason)})` : ""}`)
      .join(", ");
    const id = incident.id;
    const selected = id === this.selected;
    // The reason chip says abandoned or silent already; the other flags (a caller who cannot speak) stay.
    const others = (incident.flags || []).filter((f) => f !== "ABANDONED" && f !== "SILENT");
    return h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: `row desk-row${selected ? " selected" : ""}${this.store.openId === id ? " open" : ""}`,
          dataset: { id, reason: callback.reason, status: incident.status },
          "aria-current": selected ? "true" : null,
          tabindex: selected ? "0" : "-1",
        },
        h("span", { class: "visually-hidden" }, `${t("deskWaitingLabel")}:`),
        h("span", { class: "wait", dataset: { since: callback.since, waiting: "true" }, title: t("deskWaitingLabel") }, waited(callback.since)),
        h("span", { class: "reason-chip", dataset: { reason: callback.reason } }, term("cbReason", callback.reason)),
        h("span", { class: `caller${incident.caller ? "" : " unknown"}` }, incident.caller || t("callerUnknown")),
        incident.status === "IN_REVIEW" && incident.assignedTo ? h("span", { class: "holder" }, t("heldBy", { user: incident.assignedTo })) : null,
        h("span", { class: "attempts", dataset: { failed: String(entry.failedAttempts) } }, t("deskAttempts", { failed: entry.failedAttempts, allowed: entry.attemptsAllowed })),
        callback.queueWaitSeconds != null ? h("span", { class: "hint" }, t("deskQueueWait", { s: callback.queueWaitSeconds })) : null,
        last ? h("span", { class: "hint last" }, t("deskLast", { outcome: term("outcome", last.outcome), user: last.by, time: shortTime(last.at) })) : null,
        incident.caller
          ? h("span", { class: "recent" }, recent.length ? t("deskRecent", { count: recent.length, list: described }) : t("deskNoRecent"))
          : h("span", { class: "recent" }, t("deskNoNumber")),
        others.length ? h("span", { class: "flags" }, others.map((f) => flagChip(incident, f))) : null,
      ),
    );
  }

  tickClocks() {
    const now = Date.now();
    for (const el of $$("#callbacks-list .wait")) el.textContent = waited(el.dataset.since, now);
    this.renderCount();
  }

  rowFor(id) {
    return id ? $(`#callbacks-list button.row[data-id="${CSS.escape(id)}"]`) : null;
  }

  selectedId() {
    return this.selected;
  }

  focusSelected() {
    (this.rowFor(this.selected) || $("#tab-callbacks")).focus();
  }

  select(id, focus) {
    const rows = $$("#callbacks-list button.row");
    if (!rows.some((el) => el.dataset.id === id)) return;
    this.selected = id;
    for (const el of rows) {
      const on = el.dataset.id === id;
      el.classList.toggle("selected", on);
      el.tabIndex = on ? 0 : -1;
      if (on) el.setAttribute("aria-current", "true");
      else el.removeAttribute("aria-current");
      if (on && focus) {
        el.focus();
        el.scrollIntoView({ block: "nearest" });
      }
    }
  }

  move(step) {
    const rows = $$("#callbacks-list button.row");
    if (!rows.length) return;
    const index = rows.findIndex((r) => r.dataset.id === this.selected);
    let next;
    if (step === Infinity) next = rows.length - 1;
    else if (step === -Infinity) next = 0;
    else next = index < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, index + step));
    this.select(rows[next].dataset.id, true);
  }

  /** The call that joined the desk last. */
  jumpToNewest() {
    if (!this.entries.length) return;
    const newest = this.entries.reduce((a, b) => (Date.parse(b.incident.callback.since) >= Date.parse(a.incident.callback.since) ? b : a));
    this.select(newest.incident.id, true);
  }

  // -- what the operator does ----------------------------------------------------------------------

  /** The incident a key acts on: the desk's selected call while its tab is shown, else the open one. */
  targetOf(incident) {
    if (incident) return incident;
    if (this.active && this.selected) return this.entries.find((e) => e.incident.id === this.selected)?.incident || null;
    return this.store.incident;
  }

  /** Say what happened (`text` gives a string, or {text, detail} with the server's words): over the
   * desk's list while it is shown, over the incident otherwise (a refusal as its alert). */
  say(text, { alert = false } = {}) {
    const plain = () => {
      const said = text();
      return typeof said === "string" ? said : said.text;
    };
    if (this.active) {
      this.notice = text;
      this.render();
    } else if (alert) {
      this.messages.setAlert(text);
    } else {
      this.messages.setNotice(plain);
    }
    this.announce(plain());
  }

  /** Call the caller back: through the softphone when Amazon Connect is set up, else the number is shown
   * to dial on the desk phone. */
  async dial(incident = null) {
    const target = this.targetOf(incident);
    if (!target) return this.say(() => t("deskPick"));
    const number = target.caller;
    if (!number) return this.say(() => t("deskCannotDial"));
    if (!canDial()) return this.say(() => t("deskDialDesk", { number }));
    this.say(() => t("deskDialing", { number }));
    try {
      await dial(number);
    } catch (error) {
      this.say(() => t("deskDialFailed", { number, message: error.message }));
    }
  }

  buildOutcomes() {
    const chosen = $("#callback-form")?.elements?.outcome?.value || "";
    replace(
      $("#callback-outcome-options"),
      OUTCOMES.map((outcome) =>
        h(
          "label",
          { class: "option", for: `callback-outcome-${outcome}` },
          h("input", { type: "radio", name: "outcome", id: `callback-outcome-${outcome}`, value: outcome, checked: outcome === chosen }),
          term("outcome", outcome),
        ),
      ),
    );
  }

  prepare(form, incident) {
    if (form.dataset.incident === incident.id) return resetErrors(form);
    resetForm(form);
    form.dataset.incident = incident.id;
  }

  openRecord(incident = null) {
    const target = this.targetOf(incident);
    if (!target) return this.say(() => t("deskPick"));
    if (!awaitingCallback(target)) return this.say(() => t("deskNotOnDesk"));
    this.target = target;
    const form = $("#callback-form");
    this.prepare(form, target.id);
    $("#callback-for").textContent = t("callbackFor", { ref: target.id.slice(-6), caller: target.caller || t("callerUnknown") });
    if (!this.pending.has(target.id)) this.pending.set(target.id, newAttemptId());
    openDialog($("#callback-dialog"), { focus: 'input[name="outcome"]' });
  }

  async submitRecord(event) {
    event.preventDefault();
    const form = $("#callback-form");
    resetErrors(form);
    const outcome = form.elements.outcome.value;
    const note = $("#callback-note").value.trim();
    if (!outcome) fieldError("callback", "outcome", t("err_callbackOutcome"));
    if (note.length > 500) fieldError("callback", "note", t("err_callbackNote"));
    if (!outcome || note.length > 500) return focusFirstInvalid(form);
    const target = this.target;
    const body = { outcome, clientAttemptId: this.pending.get(target.id) };
    if (note) body.note = note;
    await this.send(form, "callback-dialog", async () => {
      const incident = await this.api.post(`/incidents/${encodeURIComponent(target.id)}/callbacks`, body);
      this.pending.delete(target.id);
      this.refreshSoon();
      if (outcome !== "REACHED") {
        this.say(() => t("deskRecorded", { outcome: term("outcome", outcome) }));
        if (this.store.openId === incident.id) await this.incidentView.refresh();
        return null;
      }
      // Reached: the review goes on as after a claim, the verify form open with focus in it.
      $("#callback-dialog").returnTo = null;
      return async () => {
        await this.incidentView.open(incident.id);
        this.messages.setNotice(() => t("deskReached"));
        this.announce(t("deskReached"));
        if (this.store.canReview()) this.forms.open("verify");
      };
    }, { outcome: "outcome", note: "note", clientAttemptId: "outcome" });
  }

  openUnreachable(incident = null) {
    const target = this.targetOf(incident);
    if (!target) return this.say(() => t("deskPick"));
    if (!awaitingCallback(target)) return this.say(() => t("deskNotOnDesk"));
    const failed = failedAttempts(target);
    if (!mayClose(target, this.allowed)) return this.say(() => t("deskCannotCloseYet", { failed, allowed: this.allowed }));
    this.target = target;
    const form = $("#unreachable-form");
    this.prepare(form, target.id);
    const attempts = target.callback.attempts || [];
    const wrong = attempts.length && attempts[attempts.length - 1].outcome === "WRONG_NUMBER";
    const why = !target.caller ? t("unreachableWhyNoNumber") : wrong ? t("unreachableWhyWrong") : t("unreachableWhyFailed", { failed });
    $("#unreachable-intro").textContent = t("unreachableIntro", { why });
    openDialog($("#unreachable-dialog"));
  }

  async submitUnreachable(event) {
    event.preventDefault();
    const form = $("#unreachable-form");
    resetErrors(form);
    const note = $("#unreachable-note").value.trim();
    if (note.length > 1000) {
      fieldError("unreachable", "note", t("err_note"));
      return focusFirstInvalid(form);
    }
    const target = this.target;
    await this.send(form, "unreachable-dialog", async () => {
      await this.api.post(`/incidents/${encodeURIComponent(target.id)}/unreachable`, note ? { note } : {});
      this.refreshSoon();
      this.say(() => t("deskClosed"));
      if (this.store.openId === target.id) await this.incidentView.refresh();
    }, { note: "note" });
  }

  openSilent() {
    const incident = this.store.incident;
    if (!this.silentAllowed(incident)) return;
    this.target = incident;
    this.prepare($("#silent-form"), incident.id);
    openDialog($("#silent-dialog"));
  }

  async submitSilent(event) {
    event.preventDefault();
    const form = $("#silent-form");
    resetErrors(form);
    const note = $("#silent-note").value.trim();
    if (note.length > 1000) {
      fieldError("silent", "note", t("err_note"));
      return focusFirstInvalid(form);
    }
    const target = this.target;
    await this.send(form, "silent-dialog", async () => {
      const incident = await this.api.post(`/incidents/${encodeURIComponent(target.id)}/silent`, note ? { note } : {});
      const onDesk = awaitingCallback(incident);
      this.messages.setNotice(() => (onDesk ? t("silentToDesk") : t("silentMarked")));
      this.announce(onDesk ? t("silentToDesk") : t("silentMarked"));
      this.refreshSoon();
      await this.incidentView.refresh();
    }, { note: "note" });
  }

  /** Send a dialog's request (`action` may return what to do once the dialog has closed): done, it
   * closes; a 422 stays in it by its fields; a lost race (409) closes it and says so, the desk and the
   * incident refreshed; anything else stays in it, to be sent again (an attempt keeps its id: a retry
   * records nothing twice). */
  async send(form, dialogId, action, fields) {
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    button.disabled = true;
    const formId = form.id.replace(/-form$/, "");
    let next = null;
    try {
      next = await action();
      delete form.dataset.incident;
      closeDialog($(`#${dialogId}`));
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        serverFieldErrors(formId, error, fields);
      } else if (error instanceof ApiError && (error.status === 409 || error.status === 404)) {
        delete form.dataset.incident;
        closeDialog($(`#${dialogId}`));
        const detail = error.serverMessage;
        this.say(() => ({ text: t("deskChanged"), detail }), { alert: true });
        this.refreshSoon();
        if (this.store.openId) await this.incidentView.refresh();
      } else {
        replace($(`#${formId}-error`), messageNodes(describeError(error)));
      }
    } finally {
      button.disabled = false;
    }
    // What comes after a dialog (the incident, a form) once it has closed: the page behind it was inert.
    if (next) await next();
  }

  // -- the open incident's buttons -----------------------------------------------------------------

  silentAllowed(incident) {
    if (!incident || incident.channel !== "VOICE" || !OPEN.includes(incident.status)) return false;
    if ((incident.flags || []).includes("SILENT")) return false;
    return incident.status !== "IN_REVIEW" || !incident.assignedTo || incident.assignedTo === this.store.me;
  }

  renderActions() {
    const incident = this.store.incident;
    const awaiting = awaitingCallback(incident);
    show($("#dial-button"), awaiting && Boolean(incident.caller));
    show($("#callback-button"), awaiting);
    show($("#unreachable-button"), awaiting && mayClose(incident, this.allowed));
    show($("#silent-button"), this.silentAllowed(incident));
  }
}
