// The operators' workspace: the live lists (queue, mine, dispatched, all in review), the incident's
// detail with its map, and the actions of the lifecycle (claim, verify A1, reject, acknowledge, close,
// reassign). Everything polls: lists every ~1.5 s, the open incident every ~2 s, both through the
// API's conditional GETs.
import { $, $$, h, replace, show, isTyping } from "./dom.js";
import { t, term, has, lang, toggleLanguage, onLanguageChange } from "./i18n.js";
import { dateTime, waited, waitedSeconds, coord } from "./format.js";
import { ApiError } from "./api.js";
import { IncidentMap } from "./map.js";
import { openDialog, closeDialog, anyDialogOpen, setupDialogs } from "./dialogs.js";

const CATEGORIES = ["FIRE", "CRIME", "MEDICAL", "TRAFFIC_ACCIDENT", "DISASTER", "RESCUE", "OTHER"];
const REASONS = ["PRANK", "NON_EMERGENCY", "DUPLICATE"];
const DISPATCHED_STATUSES = ["VERIFIED", "DISPATCHED", "ACKNOWLEDGED"];
const OPEN_STATUSES = ["RECEIVED", "IN_REVIEW", ...DISPATCHED_STATUSES];
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const DETAIL_POLL_MS = 2000;
const LONG_WAIT_S = 60; // a row waiting longer than this is marked
const SNIPPET_CHARS = 140; // of the citizen's words, in a queue row

/** Who reported: the caller's number, else the social account the message came from. */
function reporter(incident) {
  if (incident.caller) return incident.caller;
  const source = incident.source || {};
  if (source.screenName) return `@${source.screenName}`;
  const id = source.instagramSender || source.twitterUser;
  return id ? t("socialSender", { id }) : null;
}

/** The first words of a report on one line, and the longer text for a tooltip when they are cut. */
function snippet(text) {
  const flat = String(text).replace(/\s+/g, " ").trim();
  if (flat.length <= SNIPPET_CHARS) return { text: flat, title: null };
  return { text: `${flat.slice(0, SNIPPET_CHARS - 1)}…`, title: flat.slice(0, 600) };
}

function flagChip(incident, flag) {
  const title = flag === "UNPARSED" && incident.source?.rawKey ? `${t("rawKeyLabel")}: ${incident.source.rawKey}` : null;
  return h("span", { class: "flag", dataset: { flag }, title }, term("flag", flag));
}

export class Workspace {
  constructor({ config, api, session, announce, onLogout }) {
    this.config = config;
    this.api = api;
    this.session = session;
    this.announce = announce;
    this.onLogout = onLogout;
    this.tab = "queue";
    this.lists = new Map(); // status -> {items, more, at, busy}
    this.selected = {}; // tab -> incident id
    this.seen = null; // ids of RECEIVED incidents already announced
    this.current = null; // {id, detail, signature}
    this.detailBusy = false;
    this.detailAt = 0;
    this.form = null; // "verify" | "reject"
    this.point = null;
    this.agenciesTouched = false;
    this.alertText = null; // () => string, re-rendered when the language changes
    this.noticeText = null;
    this.operators = null;
    this.listSignature = "";
    this.timers = [];
    this.map = null;
    this.wired = false;
  }

  // -- life cycle ------------------------------------------------------------------------------------

  start() {
    if (!this.wired) this.wire();
    this.setTab("queue", false);
    show($("#tab-review"), this.session.isSupervisor);
    this.timers.push(setInterval(() => this.tick(), 250));
    this.timers.push(setInterval(() => this.tickClocks(), 1000));
    this.tick();
  }

  stop() {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.closeIncident(false);
    this.lists.clear();
    this.seen = null;
    replace($("#queue-list"));
    delete $("#queue-panel").dataset.loaded;
    this.listSignature = "";
    document.title = t("appName");
  }

  setSession(session) {
    this.session = session;
  }

  get me() {
    return this.session.username;
  }

  wire() {
    this.wired = true;
    setupDialogs();
    for (const tab of $$("[role=tab]")) tab.addEventListener("click", () => this.setTab(tab.dataset.tab, true));
    $("#queue-list").addEventListener("click", (event) => {
      const row = event.target.closest("button.row");
      if (row) {
        this.select(row.dataset.id, false);
        this.openIncident(row.dataset.id);
      }
    });
    $("#detail-close").addEventListener("click", () => this.closeIncident(true));
    $("#claim-button").addEventListener("click", () => this.claim());
    $("#verify-button").addEventListener("click", () => this.openForm("verify"));
    $("#reject-button").addEventListener("click", () => this.openForm("reject"));
    $("#ack-button").addEventListener("click", () => this.openAck());
    $("#close-button").addEventListener("click", () => this.openClose());
    $("#reassign-button").addEventListener("click", () => this.openReassign());
    $("#detail-dispatches").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-agency]");
      if (button) this.openAck(button.dataset.agency);
    });
    for (const button of $$("[data-cancel-form]")) button.addEventListener("click", () => this.closeForm(true));
    this.wireVerifyForm();
    this.wireRejectForm();
    $("#ack-form").addEventListener("submit", (e) => this.submitAck(e));
    $("#close-form").addEventListener("submit", (e) => this.submitClose(e));
    $("#reassign-form").addEventListener("submit", (e) => this.submitReassign(e));
    document.addEventListener("keydown", (e) => this.onKey(e));
    onLanguageChange(() => this.relabel());
    this.map = new IncidentMap($("#map"), this.config.regency.center, (lat, lon) => this.pick(lat, lon));
    this.mapReady = this.map.init().catch(() => null);
    this.fillHelp();
  }

  // -- lists -----------------------------------------------------------------------------------------

  interval(status) {
    if (status === "RECEIVED") return 1500;
    if (status === "IN_REVIEW") return this.tab === "mine" || this.tab === "review" ? 1500 : 5000;
    return this.tab === "dispatched" ? 3000 : 15000;
  }

  tick() {
    const now = Date.now();
    for (const status of OPEN_STATUSES) {
      const entry = this.lists.get(status) || { items: [], more: false, at: 0, busy: false };
      this.lists.set(status, entry);
      if (!entry.busy && now - entry.at >= this.interval(status)) this.refreshList(status);
    }
    if (this.current && !this.detailBusy && now - this.detailAt >= DETAIL_POLL_MS) this.refreshDetail();
  }

  async refreshList(status) {
    const entry = this.lists.get(status);
    entry.busy = true;
    try {
      const page = await this.api.list(status);
      entry.items = page.items || [];
      entry.more = Boolean(page.nextCursor);
      show($("#poll-error"), false);
      if (status === "RECEIVED") {
        this.noticeNew(entry.items);
        $("#queue-panel").dataset.loaded = "true"; // from now on, a new incident is announced
      }
      this.renderList();
    } catch (error) {
      if (error instanceof ApiError && error.status === 0) show($("#poll-error"));
    } finally {
      entry.at = entry.stale ? 0 : Date.now();
      entry.stale = false;
      entry.busy = false;
    }
  }

  /** Poll these lists at the next tick (after an action changed them); a request under way is stale. */
  refreshSoon(...statuses) {
    for (const status of statuses) {
      const entry = this.lists.get(status);
      if (!entry) continue;
      entry.at = 0;
      if (entry.busy) entry.stale = true;
    }
  }

  noticeNew(items) {
    const ids = new Set(items.map((i) => i.id));
    if (this.seen === null) {
      this.seen = ids;
      return;
    }
    const fresh = items.filter((i) => !this.seen.has(i.id));
    for (const id of ids) this.seen.add(id);
    if (fresh.length) {
      const newest = fresh[fresh.length - 1];
      this.freshIds = new Set([...(this.freshIds || []), ...fresh.map((i) => i.id)]);
      setTimeout(() => {
        for (const i of fresh) this.freshIds.delete(i.id);
        this.listSignature = "";
        this.renderList();
      }, 8000);
      this.announce(
        t("newIncidentAnnounce", {
          channel: term("channel", newest.channel),
          caller: reporter(newest) || t("callerUnknown"),
          count: items.length,
        }),
      );
    }
  }

  items(tab) {
    const of = (status) => (this.lists.get(status) || { items: [] }).items;
    switch (tab) {
      case "queue":
        return of("RECEIVED");
      case "mine":
        return of("IN_REVIEW").filter((i) => i.assignedTo === this.me);
      case "review":
        return of("IN_REVIEW");
      case "dispatched":
        return DISPATCHED_STATUSES.flatMap(of).sort((a, b) => (a.id < b.id ? -1 : 1));
      default:
        return [];
    }
  }

  setTab(tab, focus) {
    if (tab === "review" && !this.session.isSupervisor) return;
    this.tab = tab;
    for (const el of $$("[role=tab]")) {
      const active = el.dataset.tab === tab;
      el.setAttribute("aria-selected", String(active));
      el.tabIndex = active ? 0 : -1;
    }
    $("#queue-panel").setAttribute("aria-labelledby", `tab-${tab}`);
    this.refreshSoon(...(tab === "dispatched" ? DISPATCHED_STATUSES : tab === "queue" ? [] : ["IN_REVIEW"]));
    this.listSignature = "";
    this.renderList();
    if (focus) $(`#tab-${tab}`).focus();
  }

  renderList() {
    const items = this.items(this.tab);
    const received = this.lists.get("RECEIVED");
    const counts = {
      queue: this.items("queue").length,
      mine: this.items("mine").length,
      dispatched: this.items("dispatched").length,
      review: this.items("review").length,
    };
    for (const [tab, count] of Object.entries(counts)) $(`#count-${tab}`).textContent = count ? `(${count})` : "";
    document.title = counts.queue ? t("queueTitleCount", { count: counts.queue }) : t("appName");
    const more = this.tab === "queue" && received && received.more;
    show($("#queue-more"), Boolean(more));
    const signature = JSON.stringify([this.tab, lang(), this.selected[this.tab], this.current?.id, items.map((i) => [i.id, i.version])]);
    if (signature === this.listSignature) return;
    this.listSignature = signature;
    const focusedId = document.activeElement?.closest?.("#queue-list button.row")?.dataset.id;
    const list = $("#queue-list");
    replace(list, items.map((incident) => this.row(incident)));
    const empty = { queue: "emptyQueue", mine: "emptyMine", dispatched: "emptyDispatched", review: "emptyReview" }[this.tab];
    $("#queue-empty").textContent = items.length ? "" : t(empty);
    show($("#queue-empty"), !items.length);
    if (focusedId) {
      const again = this.rowFor(focusedId) || this.rowFor(this.selected[this.tab]);
      if (again) again.focus();
    }
    this.tickClocks();
  }

  row(incident) {
    const selected = this.selected[this.tab] === incident.id;
    const showStatus = this.tab !== "queue";
    return h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: `row${selected ? " selected" : ""}${this.current?.id === incident.id ? " open" : ""}${this.freshIds?.has(incident.id) ? " fresh" : ""}`,
          dataset: { id: incident.id, status: incident.status },
          "aria-current": selected ? "true" : null,
          tabindex: selected || (!this.selected[this.tab] && incident === this.items(this.tab)[0]) ? "0" : "-1",
        },
        h("span", { class: "wait", dataset: { since: incident.receivedAt }, title: t("waitingLabel") }, waited(incident.receivedAt)),
        h("span", { class: "channel" }, term("channel", incident.channel)),
        h("span", { class: `caller${reporter(incident) ? "" : " unknown"}` }, reporter(incident) || t("callerUnknown")),
        showStatus ? h("span", { class: "badge", dataset: { status: incident.status } }, term("status", incident.status)) : null,
        incident.category ? h("span", { class: "category" }, term("category", incident.category)) : null,
        incident.priority ? h("span", { class: `priority ${incident.priority}` }, incident.priority) : null,
        showStatus && incident.assignedTo && incident.status === "IN_REVIEW"
          ? h("span", { class: "holder" }, t("heldBy", { user: incident.assignedTo }))
          : null,
        incident.flags && incident.flags.length ? h("span", { class: "flags" }, incident.flags.map((f) => flagChip(incident, f))) : null,
        incident.report ? h("span", { class: "snippet", title: snippet(incident.report).title }, snippet(incident.report).text) : null,
      ),
    );
  }

  rowFor(id) {
    return id ? $(`#queue-list button.row[data-id="${CSS.escape(id)}"]`) : null;
  }

  tickClocks() {
    const now = Date.now();
    for (const el of $$("#queue-list .wait")) {
      el.textContent = waited(el.dataset.since, now);
      el.classList.toggle("long", waitedSeconds(el.dataset.since, now) >= LONG_WAIT_S);
    }
  }

  select(id, focus) {
    this.selected[this.tab] = id;
    for (const row of $$("#queue-list button.row")) {
      const on = row.dataset.id === id;
      row.classList.toggle("selected", on);
      row.tabIndex = on ? 0 : -1;
      if (on) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
      if (on && focus) row.focus();
    }
  }

  move(step) {
    const rows = $$("#queue-list button.row");
    if (!rows.length) return;
    const index = rows.findIndex((r) => r.dataset.id === this.selected[this.tab]);
    const next = index < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, index + step));
    this.select(rows[next].dataset.id, true);
  }

  // -- the open incident -----------------------------------------------------------------------------

  async openIncident(id, { focus = true } = {}) {
    if (this.current?.id !== id) {
      this.closeForm(false);
      this.clearAlert();
      this.current = { id, detail: null, signature: "" };
      this.point = null;
      this.fitPending = true;
    }
    show($("#detail-empty"), false);
    this.listSignature = "";
    this.renderList();
    await this.refreshDetail();
    if (focus && this.current?.detail) $("#detail-heading").focus();
  }

  closeIncident(focusList) {
    this.closeForm(false);
    this.current = null;
    show($("#detail"), false);
    show($("#detail-empty"));
    this.clearAlert();
    this.setNotice(null);
    this.listSignature = "";
    if (this.wired) this.renderList();
    if (focusList) (this.rowFor(this.selected[this.tab]) || $("#tab-" + this.tab)).focus();
  }

  async refreshDetail() {
    if (!this.current) return null;
    const id = this.current.id;
    this.detailBusy = true;
    try {
      const detail = await this.api.incident(id);
      if (this.current?.id !== id) return null;
      this.current.detail = detail;
      this.renderDetail();
      return detail;
    } catch (error) {
      if (this.current?.id === id && error instanceof ApiError && error.status === 404) {
        this.setAlert(() => t("notFound"));
      }
      return null;
    } finally {
      this.detailBusy = false;
      this.detailAt = Date.now();
    }
  }

  renderDetail(force = false) {
    const incident = this.current?.detail;
    if (!incident) return;
    const signature = JSON.stringify([lang(), incident.version, incident.dispatches, incident.timeline.length]);
    const changed = force || signature !== this.current.signature;
    this.current.signature = signature;
    show($("#detail"));
    show($("#detail-empty"), false);
    this.renderActions(incident);
    this.checkForm(incident);
    if (!changed) return;
    const held = incident.assignedTo && ["IN_REVIEW"].includes(incident.status);
    $("#detail-heading").textContent = t("incidentLabel", { id: incident.id });
    const badge = $("#detail-status");
    badge.textContent = term("status", incident.status);
    badge.dataset.status = incident.status;
    $("#detail-held").textContent = held ? t("heldBy", { user: incident.assignedTo }) : "";
    this.renderFlags(incident);
    this.renderFacts(incident);
    this.renderReport(incident);
    this.renderDispatches(incident);
    this.renderSource(incident);
    this.renderLocation(incident);
    this.renderAml(incident);
    this.renderTimeline(incident);
    this.mapReady.then(() => {
      this.map.invalidate();
      this.map.showIncident(incident, this.fitPending);
      this.fitPending = false;
      this.map.setPoint(this.form === "verify" || this.point ? this.point : null);
    });
  }

  renderActions(incident) {
    const mine = incident.status === "IN_REVIEW" && incident.assignedTo === this.me;
    const pending = (incident.dispatches || []).filter((d) => d.status === "NOTIFIED");
    show($("#claim-button"), incident.status === "RECEIVED");
    show($("#verify-button"), mine);
    show($("#reject-button"), mine);
    show($("#ack-button"), incident.status === "DISPATCHED" && pending.length > 0);
    show($("#close-button"), incident.status === "ACKNOWLEDGED");
    show($("#reassign-button"), this.session.isSupervisor && incident.status === "IN_REVIEW");
    this.map?.setPickable(mine);
  }

  renderFacts(incident) {
    const facts = [
      [incident.channel === "VOICE" ? "caller" : "reporter", reporter(incident) || t("callerUnknown")],
      ["channel", term("channel", incident.channel)],
      ["receivedAt", dateTime(incident.receivedAt)],
      ["status", term("status", incident.status)],
      ["assignedTo", incident.assignedTo || t("nobody")],
    ];
    if (incident.category) facts.push(["category", term("category", incident.category)]);
    if (incident.priority) facts.push(["priority", term("priority", incident.priority)]);
    if (incident.summary) facts.push(["summary", incident.summary]);
    if (incident.rejection) {
      const r = incident.rejection;
      const parts = [term("reason", r.reason)];
      if (r.duplicateOf) parts.push(t("duplicateOfLabel", { id: r.duplicateOf }));
      if (r.note) parts.push(r.note);
      facts.push(["rejection", parts.join(" — ")]);
    }
    const flags = (incident.flags || []).map((f) => flagChip(incident, f));
    replace(
      $("#detail-facts"),
      facts.map(([key, value]) => [h("dt", {}, t(key)), h("dd", { dataset: { fact: key } }, value)]),
      flags.length ? [h("dt", {}, t("flags")), h("dd", { class: "flags" }, flags)] : null,
    );
  }

  /** What an operator must know before reading on: a report nobody could parse, a question asked. */
  renderFlags(incident) {
    const flags = incident.flags || [];
    const source = incident.source || {};
    const notes = [];
    if (flags.includes("UNPARSED")) {
      notes.push(
        h(
          "div",
          { class: "flag-note", dataset: { flag: "UNPARSED" }, role: "note" },
          h("h3", {}, t("unparsedTitle")),
          h("p", {}, t("unparsedText")),
          source.rawKey ? h("p", {}, `${t("rawKeyLabel")}: `, h("code", { class: "raw-key" }, source.rawKey)) : null,
          source.problem ? h("p", {}, `${t("problemLabel")}: `, h("span", { class: "problem" }, source.problem)) : null,
        ),
      );
    }
    if (flags.includes("LOCATION_ASKED")) {
      notes.push(
        h(
          "div",
          { class: "flag-note", dataset: { flag: "LOCATION_ASKED" }, role: "note" },
          h("p", {}, t("locationAskedText", { channel: term("channel", incident.channel), ref: incident.id.slice(-6) })),
        ),
      );
    }
    replace($("#detail-flags"), notes);
  }

  renderReport(incident) {
    const none = incident.channel === "VOICE" ? "noReport" : "noReportText";
    replace(
      $("#detail-report"),
      incident.report ? h("pre", { class: "report" }, incident.report) : h("p", { class: "hint" }, t(none)),
    );
  }

  agencyName(code) {
    const agency = (this.config.agencies || []).find((a) => a.code === code);
    if (!agency) return code;
    return lang() === "en" ? agency.nameEn : agency.nameId;
  }

  renderDispatches(incident) {
    const dispatches = incident.dispatches || [];
    if (!dispatches.length) {
      replace($("#detail-dispatches"), h("li", { class: "hint" }, t("noDispatches")));
      return;
    }
    replace(
      $("#detail-dispatches"),
      dispatches.map((d) =>
        h(
          "li",
          { dataset: { agency: d.agency, status: d.status } },
          h("strong", {}, `${d.agency} · ${this.agencyName(d.agency)}`),
          " ",
          h("span", { class: "badge", dataset: { status: d.status } }, `${term("dispatch", d.status)} (${d.status})`),
          h("span", { class: "when" }, t("notifiedAt", { time: dateTime(d.notifiedAt) })),
          d.acknowledgedAt
            ? h("span", { class: "when" }, t("acknowledgedAtBy", { time: dateTime(d.acknowledgedAt), user: d.acknowledgedBy || "?" }))
            : null,
          d.note ? h("span", { class: "note" }, d.note) : null,
          d.status === "NOTIFIED" && incident.status === "DISPATCHED"
            ? h("button", { type: "button", class: "small", dataset: { agency: d.agency } }, t("acknowledgeAgency", { agency: d.agency }))
            : null,
        ),
      ),
    );
  }

  renderSource(incident) {
    const entries = Object.entries(incident.source || {});
    const extra = [];
    if (incident.contactId) extra.push(["contactId", incident.contactId]);
    replace(
      $("#detail-source"),
      [...entries, ...extra].map(([key, value]) => [
        h("dt", { title: key }, has(`source_${key}`) ? t(`source_${key}`) : key),
        h("dd", { dataset: { source: key } }, value),
      ]),
    );
  }

  renderLocation(incident) {
    const parts = [];
    const loc = incident.location;
    if (loc) {
      if (loc.district) parts.push(`${t("district")}: ${loc.district}`);
      if (loc.address) parts.push(loc.address);
      if (loc.lat != null) parts.push(`${coord(loc.lat)}, ${coord(loc.lon)}`);
    }
    if (incident.aml) {
      const a = incident.aml;
      parts.push(t("amlPosition", { lat: coord(a.lat), lon: coord(a.lon), acc: a.accuracyM != null ? Math.round(a.accuracyM) : "?" }));
    }
    $("#detail-location").textContent = parts.length ? parts.join(" · ") : t("noLocation");
  }

  /** The handset's own position (Advanced Mobile Location): how it was found, how good, when, how sent. */
  renderAml(incident) {
    const a = incident.aml;
    show($("#aml-block"), Boolean(a));
    show($("#map-legend"), Boolean(a));
    show($("#verify-use-aml"), Boolean(a)); // a fix may arrive while the verify form is open
    if (!a) {
      replace($("#detail-aml"));
      return;
    }
    const facts = [
      ["amlAccuracy", a.accuracyM != null ? t("amlAccuracyValue", { m: Math.round(a.accuracyM) }) : "?"],
      ["amlMethod", term("method", a.method || "UNKNOWN")],
      a.confidence != null ? ["amlConfidence", `${Math.round(a.confidence)} %`] : null,
      ["amlFixedAt", a.fixedAt ? dateTime(a.fixedAt) : "?"],
      ["amlReceivedAt", dateTime(a.receivedAt)],
      ["amlTransport", term("transport", a.transport)],
      a.number ? ["amlNumber", a.number] : null,
    ].filter(Boolean);
    replace(
      $("#detail-aml"),
      facts.map(([key, value]) => [h("dt", {}, t(key)), h("dd", { dataset: { aml: key } }, value)]),
    );
  }

  renderTimeline(incident) {
    replace(
      $("#detail-timeline"),
      incident.timeline.map((entry) => {
        let details = Object.entries(entry.details || {}).filter(([, v]) => v !== "");
        const d = entry.details || {};
        if (entry.action === "LOCATE" && d.lat && d.lon) {
          const text = t("locateDetails", {
            point: `${d.lat}, ${d.lon}`,
            acc: d.accuracyM || "?",
            method: term("method", d.method || "UNKNOWN"),
            transport: term("transport", d.transport || "?"),
          });
          details = [["", text]];
        }
        const moved = entry.fromStatus !== entry.toStatus;
        return h(
          "li",
          { dataset: { action: entry.action, to: entry.toStatus } },
          h("time", { datetime: entry.at }, dateTime(entry.at)),
          " ",
          h("strong", {}, term("action", entry.action)),
          " · ",
          h("span", { class: "actor" }, entry.actor),
          moved ? " · " : null,
          moved ? h("span", { class: "move" }, `${entry.fromStatus ? term("status", entry.fromStatus) : "–"} → ${term("status", entry.toStatus)}`) : null,
          entry.reason ? h("span", { class: "reason" }, ` · ${entry.reason}`) : null,
          details.length ? h("span", { class: "details" }, details.map(([k, v]) => (k ? `${k}: ${v}` : v)).join(" · ")) : null,
        );
      }),
    );
  }

  // -- messages --------------------------------------------------------------------------------------

  setAlert(text) {
    this.alertText = text;
    const el = $("#detail-alert");
    el.textContent = text ? text() : "";
    show(el, Boolean(text));
  }

  clearAlert() {
    this.setAlert(null);
  }

  setNotice(text) {
    this.noticeText = text;
    $("#detail-notice").textContent = text ? text() : "";
  }

  relabel() {
    this.listSignature = "";
    this.renderList();
    if (this.current?.detail) this.renderDetail(true);
    if (this.alertText) this.setAlert(this.alertText);
    if (this.noticeText) this.setNotice(this.noticeText);
    this.fillVerifyOptions(false);
    this.fillRejectOptions();
    this.fillHelp();
    this.renderPoint();
    this.map?.relabel();
  }

  /** Explain a failed action in words, never swallow it; a conflict refreshes the view first. */
  async explain(error) {
    if (!(error instanceof ApiError)) {
      this.setAlert(() => t("serverError", { status: "?", message: String(error) }));
      return;
    }
    if (error.status === 0) return this.setAlert(() => t("networkError"));
    if (error.status === 401) return null;
    if (error.status === 403) return this.setAlert(() => t("forbidden"));
    if (error.status === 404) return this.setAlert(() => t("notFound"));
    if (error.status === 409) {
      const detail = (await this.refreshDetail()) || this.current?.detail || {};
      const last = (detail.timeline || [])[detail.timeline?.length - 1] || {};
      const holder = error.body.assignedTo || (detail.status === "IN_REVIEW" ? detail.assignedTo : null);
      if (holder && holder !== this.me) {
        this.setAlert(() => t("conflict_claimed", { user: holder }));
      } else if (error.code === "ILLEGAL_TRANSITION" || !error.code) {
        this.setAlert(() => t("conflict_status", { status: term("status", detail.status), user: last.actor || "?" }));
      } else {
        this.setAlert(() => t("conflict_changed", { user: last.actor || "?" }));
      }
      this.announce($("#detail-alert").textContent);
      this.refreshSoon(...OPEN_STATUSES);
      return null;
    }
    this.setAlert(() => t("serverError", { status: error.status, message: error.message }));
    return null;
  }

  // -- actions ---------------------------------------------------------------------------------------

  currentIncident() {
    return this.current?.detail || null;
  }

  async claim() {
    const incident = this.currentIncident();
    if (!incident) {
      const id = this.selected[this.tab];
      if (id) await this.openIncident(id, { focus: false });
      if (!this.currentIncident()) return;
      return this.claim();
    }
    this.clearAlert();
    if (incident.status !== "RECEIVED") {
      // The view already knows: say so rather than send a request bound to fail.
      if (incident.status === "IN_REVIEW" && incident.assignedTo !== this.me) {
        this.setAlert(() => t("conflict_claimed", { user: incident.assignedTo }));
        this.announce($("#detail-alert").textContent);
      }
      return;
    }
    try {
      await this.api.act(incident.id, "claim");
      this.setNotice(() => t("claimed"));
      this.announce(t("claimed"));
      this.refreshSoon("RECEIVED", "IN_REVIEW");
      await this.refreshDetail();
    } catch (error) {
      await this.explain(error);
    }
  }

  canReview() {
    const incident = this.currentIncident();
    return incident && incident.status === "IN_REVIEW" && incident.assignedTo === this.me;
  }

  openForm(which) {
    if (!this.canReview()) return;
    this.closeForm(false);
    this.form = which;
    this.clearAlert();
    this.setNotice(null);
    const form = $(`#${which}-form`);
    this.resetForm(form);
    if (which === "verify") this.prepareVerify();
    else this.prepareReject();
    show(form);
    form.scrollIntoView({ block: "nearest" });
    const first = form.querySelector("select, input, textarea");
    if (first) first.focus();
  }

  closeForm(focusBack) {
    const which = this.form;
    this.form = null;
    for (const id of ["verify-form", "reject-form"]) show($(`#${id}`), false);
    if (this.map) this.map.setPoint(this.point);
    if (focusBack && which) {
      const button = $(`#${which}-button`);
      (button && !button.hidden ? button : $("#detail-heading")).focus();
    }
  }

  /** While a form is open, the incident may move away (reassigned, changed elsewhere): say so. */
  checkForm(incident) {
    if (!this.form) return;
    if (incident.status === "IN_REVIEW" && incident.assignedTo === this.me) return;
    this.closeForm(false);
    if (incident.status === "IN_REVIEW") this.setAlert(() => t("heldByOther", { user: incident.assignedTo }));
    else {
      const last = incident.timeline[incident.timeline.length - 1] || {};
      this.setAlert(() => t("conflict_status", { status: term("status", incident.status), user: last.actor || "?" }));
    }
    $("#detail-heading").focus();
  }

  resetForm(form) {
    form.reset();
    for (const el of $$(".field-error, .form-error", form)) el.textContent = "";
    for (const el of $$("[aria-invalid]", form)) el.removeAttribute("aria-invalid");
  }

  fieldError(formId, field, message) {
    const el = $(`#${formId}-${field}-error`);
    if (el) el.textContent = message;
    const input = $(`#${formId}-${field}`);
    if (input) input.setAttribute("aria-invalid", "true");
    return input;
  }

  /** Show a 422's details next to the fields they name; anything else above the form. */
  serverFieldErrors(formId, error, fields) {
    const rest = [];
    for (const item of error.body.detail || []) {
      const loc = (item.loc || []).map(String);
      const field = [...loc].reverse().map((part) => fields[part]).find(Boolean);
      if (field) this.fieldError(formId, field, item.msg);
      else rest.push(item.msg);
    }
    $(`#${formId}-error`).textContent = rest.length ? rest.join(" ") : t("formInvalid");
    const first = $(`#${formId} [aria-invalid="true"]`);
    if (first) first.focus();
  }

  focusFirstInvalid(form) {
    $(`#${form.id.replace(/-form$/, "")}-error`).textContent = t("formInvalid");
    const first = form.querySelector('[aria-invalid="true"]');
    if (first) (first.matches("fieldset") ? first.querySelector("input") : first).focus();
  }

  // -- verify (A1) -----------------------------------------------------------------------------------

  wireVerifyForm() {
    this.fillVerifyOptions(true);
    $("#verify-category").addEventListener("change", () => {
      if (!this.agenciesTouched) this.checkAgencies(this.config.routing[$("#verify-category").value] || []);
    });
    $("#verify-agency-options").addEventListener("change", () => {
      this.agenciesTouched = true;
    });
    $("#verify-clear-point").addEventListener("click", () => this.pick(null));
    $("#verify-use-aml").addEventListener("click", () => {
      const aml = this.currentIncident()?.aml;
      if (aml) this.pick(aml.lat, aml.lon);
    });
    $("#verify-form").addEventListener("submit", (e) => this.submitVerify(e));
  }

  fillVerifyOptions(first) {
    const category = $("#verify-category");
    const chosen = category.value;
    replace(category, h("option", { value: "" }, t("chooseCategory")), CATEGORIES.map((c) => h("option", { value: c }, term("category", c))));
    category.value = chosen;
    const district = $("#verify-district");
    if (first) {
      replace(district, h("option", { value: "" }, t("chooseDistrict")), this.config.regency.districts.map((d) => h("option", { value: d }, d)));
    } else {
      district.options[0].textContent = t("chooseDistrict");
    }
    const priorities = this.config.priorities || ["P1", "P2", "P3"];
    const checkedPriority = $('#verify-priority-options input:checked')?.value;
    replace(
      $("#verify-priority-options"),
      priorities.map((p) =>
        h("label", { class: `option priority-${p}` }, h("input", { type: "radio", name: "priority", value: p, id: `verify-priority-${p}`, checked: p === checkedPriority }), " ", term("priority", p)),
      ),
    );
    const checkedAgencies = new Set($$("#verify-agency-options input:checked").map((i) => i.value));
    replace(
      $("#verify-agency-options"),
      (this.config.agencies || []).map((a) =>
        h("label", { class: "option" }, h("input", { type: "checkbox", name: "agencies", value: a.code, id: `verify-agency-${a.code}`, checked: checkedAgencies.has(a.code) }), " ", `${lang() === "en" ? a.nameEn : a.nameId} (${a.code})`),
      ),
    );
  }

  checkAgencies(codes) {
    for (const input of $$("#verify-agency-options input")) input.checked = codes.includes(input.value);
  }

  prepareVerify() {
    const incident = this.currentIncident();
    this.agenciesTouched = false;
    this.checkAgencies([]);
    const loc = incident.location || {};
    $("#verify-district").value = loc.district || "";
    $("#verify-address").value = loc.address || "";
    $("#verify-summary").value = incident.summary || "";
    if (!this.point && loc.lat != null) this.point = { lat: loc.lat, lon: loc.lon };
    show($("#verify-use-aml"), Boolean(incident.aml));
    this.renderPoint();
    this.map?.setPoint(this.point);
    this.map?.invalidate();
  }

  pick(lat, lon) {
    this.point = lat == null ? null : { lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6 };
    this.map.setPoint(this.point);
    this.renderPoint();
    if (this.point) $("#verify-location-error").textContent = "";
  }

  renderPoint() {
    $("#verify-point").textContent = this.point ? `${coord(this.point.lat)}, ${coord(this.point.lon)}` : t("noPoint");
    show($("#verify-clear-point"), Boolean(this.point));
  }

  async submitVerify(event) {
    event.preventDefault();
    const form = $("#verify-form");
    this.resetErrors(form);
    const category = $("#verify-category").value;
    const priority = $("#verify-priority-options input:checked")?.value;
    const district = $("#verify-district").value;
    const address = $("#verify-address").value.trim();
    const summary = $("#verify-summary").value.trim();
    const agencies = $$("#verify-agency-options input:checked").map((i) => i.value);
    let invalid = false;
    const fail = (field, key) => {
      invalid = true;
      this.fieldError("verify", field, t(key));
    };
    if (!category) fail("category", "err_category");
    if (!priority) fail("priority", "err_priority");
    if (address && (address.length < 3 || address.length > 500)) fail("address", "err_address");
    const addressOk = address.length >= 3 && address.length <= 500;
    if (!district && !addressOk && !this.point) fail("location", "err_location");
    if (summary.length < 3 || summary.length > 2000) fail("summary", "err_summary");
    if (!agencies.length) fail("agencies", "err_agencies");
    if (invalid) return this.focusFirstInvalid(form);
    const location = {};
    if (district) location.district = district;
    if (addressOk) location.address = address;
    if (this.point) Object.assign(location, this.point);
    const body = { category, priority, location, summary, agencies };
    const incident = this.currentIncident();
    await this.send(form, async () => {
      await this.api.act(incident.id, "verify", body);
      this.closeForm(false);
      this.point = null;
      const names = agencies.join(", ");
      this.setNotice(() => t("verified", { agencies: names }));
      this.announce(t("verified", { agencies: names }));
      this.refreshSoon(...OPEN_STATUSES);
      await this.refreshDetail();
      $("#detail-heading").focus();
    }, { summary: "summary", category: "category", priority: "priority", agencies: "agencies", address: "address", district: "location", lat: "location", lon: "location", location: "location" });
  }

  resetErrors(form) {
    for (const el of $$(".field-error, .form-error", form)) el.textContent = "";
    for (const el of $$("[aria-invalid]", form)) el.removeAttribute("aria-invalid");
  }

  /** Send a form's request: 422 → field errors; other failures → explained above the incident. */
  async send(form, action, fields) {
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) this.serverFieldErrors(form.id.replace(/-form$/, ""), error, fields);
      else {
        this.closeForm(false);
        await this.explain(error);
        $("#detail-heading").focus();
      }
    } finally {
      button.disabled = false;
    }
  }

  // -- reject ----------------------------------------------------------------------------------------

  wireRejectForm() {
    this.fillRejectOptions();
    $("#reject-reason-options").addEventListener("change", () => this.reasonChanged());
    $("#reject-duplicate-pick").addEventListener("change", () => {
      const value = $("#reject-duplicate-pick").value;
      if (value) $("#reject-duplicate-of").value = value;
    });
    $("#reject-form").addEventListener("submit", (e) => this.submitReject(e));
  }

  fillRejectOptions() {
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

  fillDuplicates() {
    const self = this.current?.id;
    const open = OPEN_STATUSES.flatMap((s) => (this.lists.get(s) || { items: [] }).items)
      .filter((i) => i.id !== self)
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, 50);
    replace(
      $("#reject-duplicate-pick"),
      h("option", { value: "" }, t("duplicateNone")),
      open.map((i) =>
        h("option", { value: i.id }, `${dateTime(i.receivedAt)} · ${term("channel", i.channel)} · ${i.caller || t("callerUnknown")} · ${term("status", i.status)} · ${i.id}`),
      ),
    );
  }

  prepareReject() {
    for (const input of $$("#reject-reason-options input")) input.checked = false;
    $("#reject-duplicate-of").value = "";
    $("#reject-note").value = "";
    this.reasonChanged();
  }

  async submitReject(event) {
    event.preventDefault();
    const form = $("#reject-form");
    this.resetErrors(form);
    const reason = $("#reject-reason-options input:checked")?.value;
    const note = $("#reject-note").value.trim();
    const duplicateOf = $("#reject-duplicate-of").value.trim().toUpperCase();
    let invalid = false;
    const fail = (field, key) => {
      invalid = true;
      this.fieldError("reject", field, t(key));
    };
    if (!reason) fail("reason", "err_reason");
    if (reason === "NON_EMERGENCY" && note.length < 3) fail("note", "err_advice");
    if (note.length > 1000) fail("note", "err_note");
    if (reason === "DUPLICATE" && !ULID.test(duplicateOf)) fail("duplicateOf", "err_duplicateOf");
    else if (reason === "DUPLICATE" && duplicateOf === this.current?.id) fail("duplicateOf", "err_duplicateSelf");
    if (invalid) return this.focusFirstInvalid(form);
    const body = { reason };
    if (note) body.note = note;
    if (reason === "DUPLICATE") body.duplicateOf = duplicateOf;
    const incident = this.currentIncident();
    await this.send(form, async () => {
      await this.api.act(incident.id, "reject", body);
      this.closeForm(false);
      this.setNotice(() => t("rejected", { reason: term("reason", reason) }));
      this.announce(t("rejected", { reason: term("reason", reason) }));
      this.refreshSoon("IN_REVIEW");
      await this.refreshDetail();
      $("#detail-heading").focus();
    }, { reason: "reason", note: "note", duplicateOf: "duplicateOf" });
  }

  // -- acknowledge, close, reassign (dialogs) ---------------------------------------------------------

  openAck(agency = null) {
    const incident = this.currentIncident();
    if (!incident || incident.status !== "DISPATCHED") return;
    const pending = incident.dispatches.filter((d) => d.status === "NOTIFIED");
    if (!pending.length) return;
    const form = $("#ack-form");
    this.resetForm(form);
    replace($("#ack-agency"), pending.map((d) => h("option", { value: d.agency }, `${d.agency} · ${this.agencyName(d.agency)}`)));
    $("#ack-agency").value = agency && pending.some((d) => d.agency === agency) ? agency : pending[0].agency;
    openDialog($("#ack-dialog"));
  }

  async submitAck(event) {
    event.preventDefault();
    const form = $("#ack-form");
    this.resetErrors(form);
    const agency = $("#ack-agency").value;
    const note = $("#ack-note").value.trim();
    if (note.length > 1000) {
      this.fieldError("ack", "note", t("err_note"));
      return this.focusFirstInvalid(form);
    }
    const incident = this.currentIncident();
    await this.sendDialog(form, "ack-dialog", async () => {
      await this.api.acknowledge(incident.id, agency, note || null);
      this.setNotice(() => t("acknowledged", { agency }));
      this.announce(t("acknowledged", { agency }));
      this.refreshSoon(...DISPATCHED_STATUSES);
      await this.refreshDetail();
    }, { note: "note" });
  }

  openClose() {
    const incident = this.currentIncident();
    if (!incident || incident.status !== "ACKNOWLEDGED") return;
    this.resetForm($("#close-form"));
    openDialog($("#close-dialog"));
  }

  async submitClose(event) {
    event.preventDefault();
    const form = $("#close-form");
    this.resetErrors(form);
    const note = $("#close-note").value.trim();
    if (note.length < 1 || note.length > 1000) {
      this.fieldError("close", "note", t("err_outcome"));
      return this.focusFirstInvalid(form);
    }
    const incident = this.currentIncident();
    await this.sendDialog(form, "close-dialog", async () => {
      await this.api.act(incident.id, "close", { note });
      this.setNotice(() => t("closed"));
      this.announce(t("closed"));
      this.refreshSoon(...DISPATCHED_STATUSES);
      await this.refreshDetail();
    }, { note: "note" });
  }

  async openReassign() {
    const incident = this.currentIncident();
    if (!this.session.isSupervisor || !incident || incident.status !== "IN_REVIEW") return;
    const form = $("#reassign-form");
    this.resetForm(form);
    try {
      this.operators = await this.api.operators();
    } catch (error) {
      return this.explain(error);
    }
    const choices = this.operators.filter((o) => o.enabled !== false && o.username !== incident.assignedTo);
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
    this.resetErrors(form);
    const assignee = $("#reassign-assignee").value;
    if (!assignee) {
      this.fieldError("reassign", "assignee", t("err_assignee"));
      return this.focusFirstInvalid(form);
    }
    const incident = this.currentIncident();
    await this.sendDialog(form, "reassign-dialog", async () => {
      await this.api.act(incident.id, "reassign", { assignee });
      this.setNotice(() => t("reassigned", { user: assignee }));
      this.announce(t("reassigned", { user: assignee }));
      this.refreshSoon("IN_REVIEW");
      await this.refreshDetail();
    }, { assignee: "assignee" });
  }

  async sendDialog(form, dialogId, action, fields) {
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    button.disabled = true;
    this.clearAlert();
    try {
      await action();
      closeDialog($(`#${dialogId}`));
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        this.serverFieldErrors(form.id.replace(/-form$/, ""), error, fields);
      } else {
        closeDialog($(`#${dialogId}`));
        await this.explain(error);
      }
    } finally {
      button.disabled = false;
    }
  }

  // -- keyboard --------------------------------------------------------------------------------------

  fillHelp() {
    const keys = [
      ["j / k, ↓ / ↑", "key_move"],
      ["Enter", "key_open"],
      ["c", "key_claim"],
      ["v", "key_verify"],
      ["r", "key_reject"],
      ["a", "key_ack"],
      ["x", "key_close"],
      ["t", "key_reassign"],
      ["1 2 3 4", "key_tabs"],
      ["l", "key_lang"],
      ["?", "key_help"],
      ["Esc", "key_escape"],
      ["Ctrl+Enter", "key_submit"],
    ];
    replace($("#help-keys"), keys.map(([key, what]) => h("tr", {}, h("th", { scope: "row" }, h("kbd", {}, key)), h("td", {}, t(what)))));
  }

  onKey(event) {
    if (event.defaultPrevented || $("#app-view").hidden) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const form = event.target.closest?.("form");
      if (form && !form.hidden) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (anyDialogOpen()) return; // a dialog handles its own keys (Esc closes it)
    if (event.key === "Escape") {
      if (this.form) {
        event.preventDefault();
        this.closeForm(true);
      }
      return;
    }
    if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const inList = target === document.body || target.closest?.("#queue-pane") || target.id === "main";
    const handlers = {
      j: () => this.move(1),
      k: () => this.move(-1),
      c: () => this.claim(),
      v: () => this.openForm("verify"),
      r: () => this.openForm("reject"),
      a: () => this.openAck(),
      x: () => this.openClose(),
      t: () => this.openReassign(),
      1: () => this.setTab("queue", true),
      2: () => this.setTab("mine", true),
      3: () => this.setTab("dispatched", true),
      4: () => this.setTab("review", true),
      l: () => toggleLanguage(),
      "?": () => openDialog($("#help-dialog")),
    };
    if (target.getAttribute?.("role") === "tab" && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      const tabs = $$("[role=tab]").filter((tab) => !tab.hidden);
      const index = tabs.indexOf(target) + (event.key === "ArrowRight" ? 1 : -1);
      event.preventDefault();
      this.setTab(tabs[(index + tabs.length) % tabs.length].dataset.tab, true);
      return;
    }
    if (inList && !target.matches?.("input")) {
      handlers.ArrowDown = () => this.move(1);
      handlers.ArrowUp = () => this.move(-1);
    }
    if (event.key === "Enter") {
      if (target.closest?.("button, a, input, [role=tab]")) return; // they handle Enter themselves
      const id = this.selected[this.tab];
      if (id) {
        event.preventDefault();
        this.openIncident(id);
      }
      return;
    }
    const handler = handlers[event.key];
    if (handler) {
      event.preventDefault();
      handler();
    }
  }
}
