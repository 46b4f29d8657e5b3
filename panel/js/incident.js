// The open incident's view (the right pane): opening and closing it, polling it every DETAIL_POLL_MS,
// its own stale banner while that poll fails, and rendering its regions (incident-facts.js,
// incident-source.js, timeline.js) and its map when the incident or the language changes. What else
// follows the open incident (the forms, the action buttons, the call pop, the lists) listens to the
// store's events: "leave" before it changes, "incident" once it has, "detail" at each answer, "opened".
import { $, show } from "./dom.js";
import { t, term, lang, onLanguageChange } from "./i18n.js";
import { clock } from "./format.js";
import { ApiError } from "./api.js";
import { problemName } from "./errors.js";
import { DETAIL_POLL_MS, TICK_MS } from "./polling.js";
import { renderAml, renderCall, renderDispatches, renderFacts, renderFlags, renderLocation, renderReport } from "./incident-facts.js";
import { renderSource } from "./incident-source.js";
import { renderTimeline } from "./timeline.js";

export class IncidentView {
  /** `lists`: where focus goes back to when the view closes; `agencies`: the directory's types (agencies.js
   * `list`), for names; `book`: the directory, for its posts' names. */
  constructor({ store, api, messages, lists, map, agencies, book }) {
    this.store = store;
    this.api = api;
    this.messages = messages;
    this.lists = lists;
    this.map = map;
    this.agencies = agencies;
    this.book = book;
    this.signature = ""; // what the regions show: they are rendered again only when it changes
    this.busy = false;
    this.at = 0; // when the last poll ended
    this.okAt = null; // when the last poll answered
    this.failure = null; // the status of the failing poll, or null
    this.retryMs = 0;
    this.fitPending = false; // the map fits the incident once it is opened
    // What the map shows: it is drawn again only when this changes. A redraw replaces its layers, and
    // Leaflet fades a removed label out for 200 ms, so a redraw for nothing (the directory's names
    // arriving, a dispatch) would flicker and briefly show the district's label twice.
    this.mapSignature = "";
    this.timer = null;
    this.mapReady = map.init().catch(() => null);
    $("#detail-close").addEventListener("click", () => this.close(true));
    // The sticky head's height, so that a field scrolled into view is not hidden under it.
    const top = $("#detail-top");
    new ResizeObserver(() => $("#detail-pane").style.setProperty("--detail-top", `${top.offsetHeight}px`)).observe(top);
    onLanguageChange(() => {
      this.renderStale();
      if (this.store.incident) this.render(true);
    });
    // The directory arrived or changed: the agencies' and posts' names with it.
    book?.onChange(() => {
      if (this.store.incident) this.render(true);
    });
  }

  start() {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.close(false);
  }

  tick() {
    const wait = this.failure !== null ? Math.max(this.retryMs || 0, DETAIL_POLL_MS * 2) : DETAIL_POLL_MS;
    if (this.store.openId && !this.busy && Date.now() - this.at >= wait) this.refresh();
  }

  async open(id, { focus = true } = {}) {
    if (this.store.openId !== id) {
      this.messages.clearAlert();
      this.messages.setNotice(null);
      // The form open on the incident left becomes its draft (forms.js says where it went).
      this.store.emit("leave", { from: this.store.openId, to: id });
      this.store.setOpen(id);
      this.signature = "";
      this.mapSignature = "";
      this.failure = null;
      this.okAt = null;
      this.renderStale();
      this.fitPending = true;
    }
    show($("#detail-empty"), false);
    await this.refresh();
    if (this.store.openId !== id) return;
    this.store.emit("opened", { id });
    if (focus && this.store.incident) $("#detail-heading").focus();
  }

  close(focusList) {
    this.store.emit("leave", { from: this.store.openId, to: null });
    this.store.setOpen(null);
    this.showDetail(false);
    this.messages.clearAlert();
    this.messages.setNotice(null);
    this.failure = null;
    this.renderStale();
    if (focusList) this.lists.focusSelected();
  }

  showDetail(visible) {
    show($("#detail"), visible);
    show($("#detail-head"), visible);
    show($("#detail-actions"), visible);
    show($("#detail-empty"), !visible);
  }

  /** Poll the open incident now; its answer (or null when it failed or another incident opened since). */
  async refresh() {
    const id = this.store.openId;
    if (!id) return null;
    this.busy = true;
    try {
      const detail = await this.api.incident(id);
      if (this.store.openId !== id) return null;
      this.store.incident = detail;
      this.okAt = new Date();
      this.failure = null;
      this.retryMs = 0;
      this.renderStale();
      this.render();
      return detail;
    } catch (error) {
      if (this.store.openId === id && error instanceof ApiError && error.status === 404) {
        this.messages.setAlert(() => t("notFound"));
      } else if (this.store.openId === id && !(error instanceof ApiError && error.status === 401)) {
        this.failure = error instanceof ApiError ? error.status : 0;
        this.retryMs = error instanceof ApiError && error.retryAfter ? error.retryAfter * 1000 : 0;
        this.renderStale();
      }
      return null;
    } finally {
      this.busy = false;
      this.at = Date.now();
    }
  }

  /** The open incident's own banner while its poll fails: what is shown may be out of date. */
  renderStale() {
    const el = $("#detail-stale");
    if (this.failure === null || !this.store.openId) {
      show(el, false);
      el.textContent = "";
      delete el.dataset.status;
      return;
    }
    const problem = problemName(this.failure);
    const text = this.okAt ? t("detailStale", { time: clock(this.okAt), problem }) : t("detailNeverLoaded", { problem });
    if (el.textContent !== text) el.textContent = text;
    el.dataset.status = String(this.failure);
    show(el);
  }

  render(force = false) {
    const incident = this.store.incident;
    if (!incident) return;
    const signature = JSON.stringify([lang(), incident.version, incident.dispatches, incident.timeline.length]);
    const changed = force || signature !== this.signature;
    this.signature = signature;
    this.showDetail(true);
    this.map.setPickable(this.store.canReview() || this.store.form === "update");
    // Every answer, changed or not: the action buttons follow it, a form no longer ours becomes a draft.
    this.store.emit("detail", { incident });
    if (!changed) return;
    const held = incident.assignedTo && ["IN_REVIEW"].includes(incident.status);
    $("#detail-heading").textContent = t("incidentLabel", { id: incident.id });
    const badge = $("#detail-status");
    badge.textContent = term("status", incident.status);
    badge.dataset.status = incident.status;
    $("#detail-held").textContent = held ? t("heldBy", { user: incident.assignedTo }) : "";
    renderFlags(incident);
    renderFacts(incident);
    renderCall(incident);
    renderReport(incident);
    const postName = (id) => (this.book ? this.book.postName(id) : id);
    renderDispatches(incident, this.agencies, postName);
    renderSource(incident);
    renderLocation(incident);
    renderAml(incident);
    renderTimeline(incident, this.agencies, postName);
    const mapSignature = JSON.stringify([lang(), incident.id, incident.location, incident.aml]);
    const redraw = this.fitPending || mapSignature !== this.mapSignature;
    this.mapSignature = mapSignature;
    this.mapReady.then(() => {
      this.map.invalidate();
      if (!redraw) return;
      this.map.showIncident(incident, this.fitPending);
      this.fitPending = false;
    });
  }
}
