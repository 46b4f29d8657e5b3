// One emergency, many reports (docs/api.md#one-emergency-many-reports), beside the open incident: the
// open incidents that are probably the same emergency (GET /incidents/{id}/related, best first, each with
// why: same number, distance, same kecamatan, minutes apart) with a button that attaches this one to it;
// the reports an incident gathered (each caller, channel, words and position); the incident an attached
// one is part of; and the operators' notes. Suggestions are read when an incident under review opens and
// again when it changes, not at every poll. Keys: g goes to the first suggestion's attach button (Tab and
// Enter from there), m to the note; d (supervisors) undoes a mistaken attach, with a reason, in a dialog.
import { $, h, replace, show } from "./dom.js";
import { t, term, onLanguageChange } from "./i18n.js";
import { shortTime, dateTime } from "./format.js";
import { ApiError } from "./api.js";
import { problemName } from "./errors.js";
import { closeDialog, openDialog } from "./dialogs.js";
import { fieldError, focusFirstInvalid, resetErrors, resetForm, serverFieldErrors } from "./form-errors.js";

const REVIEWABLE = ["RECEIVED", "IN_REVIEW"];
const CLOSED = ["CLOSED", "REJECTED", "ATTACHED"];
// A note or another report on a dispatched incident may go to its agencies' posts too (docs/api.md).
const DISPATCHED = ["DISPATCHED", "ACKNOWLEDGED"];

export class RelatedIncidents {
  /** `open(id)`: another incident was chosen (the incident's view opens it). */
  constructor({ store, api, incidentView, lists, conflicts, messages, announce }) {
    Object.assign(this, { store, api, incidentView, lists, conflicts, messages, announce });
    this.key = null; // id and version the suggestions were read for
    this.related = null;
    this.failure = null;
    this.request = 0;
    this.busy = false;
    $("#related-list").addEventListener("click", (event) => {
      const attach = event.target.closest("button[data-attach]");
      if (attach) return this.attach(attach.dataset.attach, attach.dataset.tell === "true");
      const open = event.target.closest("button[data-id]");
      if (open) this.incidentView.open(open.dataset.id);
    });
    for (const list of ["#reports-list", "#related-parent"]) {
      $(list).addEventListener("click", (event) => {
        const open = event.target.closest("button[data-id]");
        if (open) this.incidentView.open(open.dataset.id);
      });
    }
    $("#note-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.addNote();
    });
    $("#detach-button").addEventListener("click", () => this.openDetach());
    $("#detach-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.detach();
    });
    store.on("incident", ({ id }) => {
      if (!id) this.clear();
    });
    store.on("detail", ({ incident }) => this.follow(incident));
    onLanguageChange(() => this.render());
  }

  clear() {
    this.key = null;
    this.related = null;
    this.failure = null;
    this.request += 1;
    $("#note-text").value = "";
    this.render();
  }

  follow(incident) {
    const key = `${incident.id}:${incident.version}`;
    if (key === this.key) return;
    const sameIncident = this.key?.startsWith(`${incident.id}:`);
    this.key = key;
    if (!sameIncident) {
      this.related = null;
      this.failure = null;
      $("#note-text").value = "";
    }
    this.render();
    if (REVIEWABLE.includes(incident.status)) this.load(incident.id);
  }

  async load(id) {
    const request = ++this.request;
    try {
      const related = await this.api.get(`/incidents/${encodeURIComponent(id)}/related`);
      if (request !== this.request) return;
      this.related = related;
      this.failure = null;
    } catch (error) {
      if (request !== this.request) return;
      this.failure = error instanceof ApiError ? error.status : 0;
    }
    this.render();
  }

  /** g: focus the best suggestion's attach button (then Tab, Shift+Tab and Enter). */
  focusFirst() {
    const button = $("#related-list button[data-attach]");
    if (button) button.focus();
    else this.announce(t("relatedNone"));
  }

  /** m: focus the note's field. */
  focusNote() {
    const incident = this.store.incident;
    if (incident && !CLOSED.includes(incident.status)) $("#note-text").focus();
  }

  /** `tell`: the parent is dispatched and the operator chose to send its agencies what this report adds. */
  async attach(parentId, tell = false) {
    const incident = this.store.incident;
    if (!incident || this.busy) return;
    this.busy = true;
    this.messages.clearAlert();
    try {
      await this.api.act(incident.id, "attach", { parentId, ...(tell ? { tellAgencies: true } : {}) });
      const ref = `…${parentId.slice(-6)}`;
      const said = () => t(tell ? "attachedTold" : "attached", { ref });
      this.messages.setNotice(said);
      this.announce(said());
      this.lists.refreshSoon("RECEIVED", "IN_REVIEW");
      await this.incidentView.refresh();
      $("#detail-heading").focus();
    } catch (error) {
      await this.conflicts.explain(error);
    } finally {
      this.busy = false;
    }
  }

  async addNote() {
    const incident = this.store.incident;
    const field = $("#note-text");
    const text = field.value.trim();
    if (!incident || !text || this.busy) return;
    this.busy = true;
    try {
      const toAgencies = DISPATCHED.includes(incident.status) ? { tellAgencies: $("#note-tell").checked } : {};
      await this.api.act(incident.id, "notes", { text, ...toAgencies });
      field.value = "";
      this.messages.setNotice(() => t("noteAdded"));
      this.announce(t("noteAdded"));
      await this.incidentView.refresh();
    } catch (error) {
      await this.conflicts.explain(error);
    } finally {
      this.busy = false;
    }
  }

  /** d: a supervisor undoes a mistaken attach (the dialog asks why). */
  openDetach() {
    const incident = this.store.incident;
    if (!this.store.isSupervisor || incident?.status !== "ATTACHED") return;
    resetForm($("#detach-form"));
    openDialog($("#detach-dialog"));
  }

  async detach() {
    const form = $("#detach-form");
    const button = form.querySelector('button[type="submit"]');
    const incident = this.store.incident;
    resetErrors(form);
    const reason = $("#detach-reason").value.trim();
    if (reason.length < 3 || reason.length > 500) {
      fieldError("detach", "reason", t("err_detachReason"));
      return focusFirstInvalid(form);
    }
    if (!incident || button.disabled) return;
    button.disabled = true;
    const dialog = $("#detach-dialog");
    try {
      await this.api.act(incident.id, "detach", { reason });
      closeDialog(dialog);
      this.messages.setNotice(() => t("detached"));
      this.announce(t("detached"));
      this.lists.refreshSoon("IN_REVIEW");
      await this.incidentView.refresh();
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        serverFieldErrors("detach", error, { reason: "reason" });
      } else {
        dialog.returnTo = null;
        closeDialog(dialog);
        await this.conflicts.explain(error);
      }
    } finally {
      button.disabled = false;
    }
  }

  render() {
    const incident = this.store.incident;
    show($("#detach-button"), Boolean(incident) && this.store.isSupervisor && incident?.status === "ATTACHED");
    show($("#related-block"), Boolean(incident));
    show($("#reports-block"), Boolean(incident?.reports?.length || incident?.reportsNotKept));
    show($("#note-form"), Boolean(incident) && !CLOSED.includes(incident?.status));
    show($("#note-tell-option"), DISPATCHED.includes(incident?.status));
    if (!incident) return;
    this.renderParent(incident);
    this.renderReports(incident);
    const status = $("#related-status");
    const list = $("#related-list");
    if (!REVIEWABLE.includes(incident.status)) {
      status.textContent = incident.parentId ? "" : t("relatedOnlyInReview");
      replace(list);
      return;
    }
    if (!this.related) {
      status.textContent = this.failure === null ? t("relatedLoading") : t("relatedFailed", { problem: problemName(this.failure) });
      replace(list);
      return;
    }
    const items = this.related.items;
    status.textContent = items.length
      ? t("relatedIntro", { minutes: this.related.windowMinutes })
      : t("relatedNone");
    replace(list, items.map((item) => relatedRow(item)));
  }

  renderParent(incident) {
    const parent = $("#related-parent");
    if (!incident.parentId) return replace(parent);
    const ref = `…${incident.parentId.slice(-6)}`;
    replace(
      parent,
      t("partOf"),
      " ",
      h("button", { type: "button", class: "ghost small", dataset: { id: incident.parentId }, "aria-label": t("relatedOpen", { ref }) }, ref),
    );
  }

  renderReports(incident) {
    const reports = incident.reports || [];
    $("#reports-heading").textContent = t("reportsHeading", { count: reports.length + 1 });
    $("#reports-more").textContent = incident.reportsNotKept ? t("reportsNotKept", { count: incident.reportsNotKept }) : "";
    replace($("#reports-list"), reports.map((report) => reportRow(report)));
  }
}

function why(item) {
  const parts = item.reasons.map((reason) => term("match", reason));
  if (item.distanceM !== null && item.distanceM !== undefined) parts.push(t("relatedDistance", { m: item.distanceM }));
  parts.push(t("relatedMinutes", { min: item.minutesApart }));
  return parts.join(" · ");
}

/** One suggestion: when, how, where, why it matched; a button opens it, another attaches to it. */
function relatedRow(item) {
  const other = item.incident;
  const ref = `…${other.id.slice(-6)}`;
  const where = other.location?.district || other.location?.address || "";
  return h(
    "li",
    { dataset: { id: other.id } },
    h("time", { datetime: other.receivedAt }, shortTime(other.receivedAt)),
    " · ",
    h("span", { class: "channel" }, term("channel", other.channel)),
    " · ",
    h("span", { class: "badge small", dataset: { status: other.status } }, term("status", other.status)),
    other.category ? ` · ${term("category", other.category)}` : null,
    where ? ` · ${where}` : null,
    h("span", { class: "why" }, why(item)),
    h("button", { type: "button", class: "ghost small", dataset: { id: other.id }, "aria-label": t("relatedOpen", { ref }) }, ref),
    " ",
    h("button", { type: "button", class: "small", dataset: { attach: other.id } }, t("attachTo", { ref })),
    // Dispatched already: offer to send its agencies what this report adds, as a second choice.
    DISPATCHED.includes(other.status)
      ? [" ", h("button", { type: "button", class: "small", dataset: { attach: other.id, tell: "true" } }, t("attachAndTell", { ref }))]
      : null,
  );
}

/** One report of the same emergency: when, channel, caller, words, position, and the incident it was. */
function reportRow(report) {
  const point = report.aml
    ? t("reportAml", { point: `${report.aml.lat.toFixed(5)}, ${report.aml.lon.toFixed(5)}`, acc: report.aml.accuracyM ?? "?" })
    : report.location?.lat !== null && report.location?.lat !== undefined
      ? `${report.location.lat.toFixed(5)}, ${report.location.lon.toFixed(5)}`
      : report.location?.district || report.location?.address || null;
  const ref = report.incidentId ? `…${report.incidentId.slice(-6)}` : null;
  return h(
    "li",
    { dataset: { channel: report.channel } },
    h("time", { datetime: report.receivedAt, title: dateTime(report.receivedAt) }, shortTime(report.receivedAt)),
    " · ",
    h("span", { class: "channel" }, term("channel", report.channel)),
    " · ",
    h("span", { class: "caller" }, report.caller || report.source?.screenName || t("reportNoNumber")),
    point ? h("span", { class: "point" }, ` · ${point}`) : null,
    report.text || report.summary ? h("q", { class: "words" }, report.text || report.summary) : null,
    ref ? h("button", { type: "button", class: "ghost small", dataset: { id: report.incidentId }, "aria-label": t("relatedOpen", { ref }) }, ref) : null,
  );
}
