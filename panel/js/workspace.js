// The operators' workspace: the live lists (queue, mine, dispatched, all in review), the incident's
// detail with its map, and the actions of the lifecycle (claim, verify A1, reject, acknowledge, close,
// reassign). Everything polls (polling.js): lists every ~1.5 s, the open incident every ~2 s, both through
// the API's conditional GETs; a poll that fails says so, with the time of the last good answer.
//
// The verify and reject forms keep a draft per incident, in memory only (gone at sign-out): switching
// forms, closing one with Esc, a screen pop for another call or a conflict never throws typed input away.
import { $, $$, h, replace, show, inFormControl } from "./dom.js";
import { t, term, lang, toggleLanguage, onLanguageChange } from "./i18n.js";
import { clock, shortTime, coord } from "./format.js";
import { ApiError } from "./api.js";
import { IncidentMap } from "./map.js";
import { openDialog, closeDialog, anyDialogOpen, setupDialogs } from "./dialogs.js";
import { DETAIL_POLL_MS, DISPATCHED_STATUSES, OPEN_STATUSES, TICK_MS } from "./polling.js";
import { actorName, agencyName, reporter } from "./incident-words.js";
import { describeError, problemName } from "./errors.js";
import { messageNodes } from "./messages.js";
import { renderAml, renderDispatches, renderFacts, renderFlags, renderLocation, renderReport } from "./incident-facts.js";
import { renderSource } from "./incident-source.js";
import { renderTimeline } from "./timeline.js";
import { fieldError, focusFirstInvalid, resetErrors, resetForm, serverFieldErrors } from "./form-errors.js";
import { WorkspaceStore } from "./store.js";
import { Drafts } from "./drafts.js";
import { QueueView } from "./lists.js";

const CATEGORIES = ["FIRE", "CRIME", "MEDICAL", "TRAFFIC_ACCIDENT", "DISASTER", "RESCUE", "OTHER"];
const REASONS = ["PRANK", "NON_EMERGENCY", "DUPLICATE"];
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const FORMS = ["verify", "reject"];
const FORM_KEYS = { verify: "v", reject: "r" };

export class Workspace {
  constructor({ config, api, session, announce, onLogout }) {
    this.config = config;
    this.api = api;
    this.store = new WorkspaceStore(session); // what the modules share: the session, the open incident
    this.announce = announce;
    this.onLogout = onLogout;
    this.queue = null; // the lists (lists.js)
    this.current = null; // {id, detail, signature}
    this.detailBusy = false;
    this.detailAt = 0;
    this.detailOkAt = null;
    this.detailFailure = null; // the status of the failing detail poll, or null
    this.form = null; // "verify" | "reject"
    this.baseline = {}; // form -> its values as prepared (a form differing from them is dirty)
    this.drafts = new Drafts(); // incident id -> {verify?, reject?, open?}: typed input kept in memory
    this.point = null;
    this.agenciesTouched = false;
    this.alertText = null; // () => string | {text, detail}, re-rendered when the language changes
    this.noticeText = null;
    this.pendingCall = null; // an incident a screen pop wanted to open while a form was being filled
    this.calls = null; // CallOffers (calls.js): calls that reached the operator without an incident
    this.operators = null;
    this.timers = [];
    this.map = null;
    this.wired = false;
  }

  // -- life cycle ------------------------------------------------------------------------------------

  start() {
    if (!this.wired) this.wire();
    this.queue.start();
    this.timers.push(setInterval(() => this.tick(), TICK_MS));
    this.tick();
  }

  stop() {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.closeIncident(false);
    this.drafts.clear(); // nobody else reads what this operator typed
    this.hideCallPop();
    this.queue.stop();
  }

  setSession(session) {
    this.store.session = session;
  }

  get me() {
    return this.store.me;
  }

  wire() {
    this.wired = true;
    setupDialogs();
    const { store, drafts, api, announce } = this;
    this.queue = new QueueView({ store, drafts, api, announce, open: (id) => this.openIncident(id) });
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
    $("#call-pop-open").addEventListener("click", () => this.openPendingCall());
    $("#call-pop-later").addEventListener("click", () => this.hideCallPop(true));
    for (const button of $$("[data-cancel-form]")) button.addEventListener("click", () => this.closeForm(true));
    for (const button of $$("[data-discard-form]")) button.addEventListener("click", () => this.discardForm());
    this.wireVerifyForm();
    this.wireRejectForm();
    $("#ack-form").addEventListener("submit", (e) => this.submitAck(e));
    $("#close-form").addEventListener("submit", (e) => this.submitClose(e));
    $("#reassign-form").addEventListener("submit", (e) => this.submitReassign(e));
    document.addEventListener("keydown", (e) => this.onKey(e));
    onLanguageChange(() => this.relabel());
    this.map = new IncidentMap($("#map"), {
      center: this.config.regency.center,
      tiles: this.config.map,
      districtCenters: this.config.regency.districtCenters,
      onPick: (lat, lon) => this.pick(lat, lon, true),
      onClear: () => this.clearPoint(),
    });
    this.mapReady = this.map.init().catch(() => null);
    // The phone pane folded or the window changed: the open form may fit beside the facts now.
    window.addEventListener("resize", () => {
      if (this.form) requestAnimationFrame(() => this.revealForm($(`#${this.form}-form`)));
    });
    // The sticky head's height, so that a field scrolled into view is not hidden under it.
    const top = $("#detail-top");
    new ResizeObserver(() => $("#detail-pane").style.setProperty("--detail-top", `${top.offsetHeight}px`)).observe(top);
    this.fillHelp();
  }

  // -- lists -----------------------------------------------------------------------------------------

  tick() {
    const detailWait = this.detailFailure !== null ? Math.max(this.detailRetryMs || 0, DETAIL_POLL_MS * 2) : DETAIL_POLL_MS;
    if (this.current && !this.detailBusy && Date.now() - this.detailAt >= detailWait) this.refreshDetail();
  }

  // -- the open incident -----------------------------------------------------------------------------

  async openIncident(id, { focus = true } = {}) {
    if (this.current?.id !== id) {
      const leaving = this.current?.id;
      const kept = this.form ? this.closeForm(false, { reopen: true }) : false;
      this.clearAlert();
      this.setNotice(kept ? () => t("draftKeptFor", { ref: leaving.slice(-6) }) : null);
      if (this.pendingCall === id) this.hideCallPop();
      this.current = { id, detail: null, signature: "" };
      this.store.setOpen(id);
      this.point = null;
      this.detailFailure = null;
      this.detailOkAt = null;
      this.renderDetailStale();
      this.fitPending = true;
    }
    show($("#detail-empty"), false);
    await this.refreshDetail();
    if (this.current?.id !== id) return;
    const draft = this.drafts.get(id);
    if (draft?.open && !this.form && this.canReview()) {
      this.openForm(draft.open, { focus: false });
      this.setNotice(() => t("draftRestored"));
    }
    if (focus && this.current?.detail) $("#detail-heading").focus();
  }

  closeIncident(focusList) {
    if (this.form) this.closeForm(false, { reopen: true });
    this.current = null;
    this.store.setOpen(null);
    this.showDetail(false);
    this.clearAlert();
    this.setNotice(null);
    this.detailFailure = null;
    this.renderDetailStale();
    if (focusList) this.queue.focusSelected();
  }

  showDetail(visible) {
    show($("#detail"), visible);
    show($("#detail-head"), visible);
    show($("#detail-actions"), visible);
    show($("#detail-empty"), !visible);
  }

  async refreshDetail() {
    if (!this.current) return null;
    const id = this.current.id;
    this.detailBusy = true;
    try {
      const detail = await this.api.incident(id);
      if (this.current?.id !== id) return null;
      this.current.detail = detail;
      this.detailOkAt = new Date();
      this.detailFailure = null;
      this.detailRetryMs = 0;
      this.renderDetailStale();
      this.renderDetail();
      return detail;
    } catch (error) {
      if (this.current?.id === id && error instanceof ApiError && error.status === 404) {
        this.setAlert(() => t("notFound"));
      } else if (this.current?.id === id && !(error instanceof ApiError && error.status === 401)) {
        this.detailFailure = error instanceof ApiError ? error.status : 0;
        this.detailRetryMs = error instanceof ApiError && error.retryAfter ? error.retryAfter * 1000 : 0;
        this.renderDetailStale();
      }
      return null;
    } finally {
      this.detailBusy = false;
      this.detailAt = Date.now();
    }
  }

  /** The open incident's own banner while its poll fails: what is shown may be out of date. */
  renderDetailStale() {
    const el = $("#detail-stale");
    if (this.detailFailure === null || !this.current) {
      show(el, false);
      el.textContent = "";
      delete el.dataset.status;
      return;
    }
    const problem = problemName(this.detailFailure);
    const text = this.detailOkAt ? t("detailStale", { time: clock(this.detailOkAt), problem }) : t("detailNeverLoaded", { problem });
    if (el.textContent !== text) el.textContent = text;
    el.dataset.status = String(this.detailFailure);
    show(el);
  }

  renderDetail(force = false) {
    const incident = this.current?.detail;
    if (!incident) return;
    const signature = JSON.stringify([lang(), incident.version, incident.dispatches, incident.timeline.length]);
    const changed = force || signature !== this.current.signature;
    this.current.signature = signature;
    this.showDetail(true);
    this.renderActions(incident);
    this.checkForm(incident);
    if (!changed) return;
    const held = incident.assignedTo && ["IN_REVIEW"].includes(incident.status);
    $("#detail-heading").textContent = t("incidentLabel", { id: incident.id });
    const badge = $("#detail-status");
    badge.textContent = term("status", incident.status);
    badge.dataset.status = incident.status;
    $("#detail-held").textContent = held ? t("heldBy", { user: incident.assignedTo }) : "";
    renderFlags(incident);
    renderFacts(incident);
    renderReport(incident);
    renderDispatches(incident, this.config.agencies);
    renderSource(incident);
    renderLocation(incident);
    renderAml(incident);
    show($("#verify-use-aml"), Boolean(incident.aml)); // a fix may arrive while the verify form is open
    renderTimeline(incident, this.config.agencies);
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
    show($("#reassign-button"), this.store.isSupervisor && incident.status === "IN_REVIEW");
    const draft = this.drafts.get(incident.id) || {};
    for (const which of FORMS) {
      const button = $(`#${which}-button`);
      button.classList.toggle("has-draft", Boolean(draft[which]) && this.form !== which);
      button.dataset.draftLabel = t("draftChip");
    }
    this.map?.setPickable(mine);
  }

  // -- messages --------------------------------------------------------------------------------------

  /** The alert over the incident: `text` gives a string or {text, detail} (detail: the server's words). */
  setAlert(text) {
    this.alertText = text;
    const el = $("#detail-alert");
    replace(el, text ? messageNodes(text()) : null);
    show(el, Boolean(text));
  }

  clearAlert() {
    this.setAlert(null);
  }

  /** Move focus to the alert (a lost race, a refused action), so that it is read and the keys go on. */
  focusAlert() {
    const el = $("#detail-alert");
    if (!el.hidden) el.focus();
  }

  setNotice(text) {
    this.noticeText = text;
    $("#detail-notice").textContent = text ? text() : "";
  }

  relabel() {
    this.renderDetailStale();
    if (this.current?.detail) this.renderDetail(true);
    if (this.alertText) this.setAlert(this.alertText);
    if (this.noticeText) this.setNotice(this.noticeText);
    if (this.pendingCall) this.showCallPop(this.pendingCall);
    this.fillVerifyOptions(false);
    this.fillRejectOptions();
    this.fillDuplicates();
    this.fillHelp();
    this.renderPoint();
    this.map?.relabel();
  }

  /** The last reassignment in a timeline, if the incident's holder came from it. */
  reassignedTo(detail, holder) {
    const timeline = detail.timeline || [];
    for (let i = timeline.length - 1; i >= 0; i -= 1) {
      const entry = timeline[i];
      if (entry.action === "CLAIM") return null;
      if (entry.action === "REASSIGN") return entry.details?.to === holder ? entry : null;
    }
    return null;
  }

  /** Why the incident is not ours to work on any more, in words. */
  lostReason(detail, { code = null, holder = null } = {}) {
    const last = (detail.timeline || [])[detail.timeline?.length - 1] || {};
    holder = holder || (detail.status === "IN_REVIEW" ? detail.assignedTo : null);
    if (holder && holder !== this.me) {
      const reassign = this.reassignedTo(detail, holder);
      if (reassign) return () => t("conflict_reassigned", { by: actorName(reassign.actor), user: holder });
      return () => t("conflict_claimed", { user: holder });
    }
    if (code === "ILLEGAL_TRANSITION" || !code || detail.status !== "IN_REVIEW") {
      return () => t("conflict_status", { status: term("status", detail.status), user: actorName(last.actor) });
    }
    return () => t("conflict_changed", { user: actorName(last.actor) });
  }

  /** Explain a failed action in words, never swallow it; a conflict refreshes the view first. */
  async explain(error) {
    if (error instanceof ApiError && error.status === 401) return;
    if (error instanceof ApiError && error.status === 409) {
      const detail = (await this.refreshDetail()) || this.current?.detail || {};
      const reason = this.lostReason(detail, { code: error.code, holder: error.body.assignedTo });
      const drafted = !this.form && this.drafts.has(this.current?.id) && !this.canReview();
      this.setAlert(drafted ? () => `${reason()} ${t("draftKeptShort")}` : reason);
      this.queue.refreshSoon(...OPEN_STATUSES);
    } else {
      this.setAlert(() => describeError(error));
    }
    this.announce($("#detail-alert .message-text")?.textContent || "");
    this.focusAlert();
  }

  // -- actions ---------------------------------------------------------------------------------------

  currentIncident() {
    return this.current?.detail || null;
  }

  async claim() {
    const incident = this.currentIncident();
    if (!incident) {
      const id = this.queue.selectedId();
      if (id) await this.openIncident(id, { focus: false });
      if (!this.currentIncident()) return;
      return this.claim();
    }
    this.clearAlert();
    if (incident.status !== "RECEIVED") {
      // The view already knows: say why rather than send a request bound to fail.
      if (incident.status === "IN_REVIEW" && incident.assignedTo === this.me) {
        this.setNotice(() => t("alreadyYours"));
        this.announce(t("alreadyYours"));
        this.openForm(this.drafts.get(incident.id)?.open || this.form || "verify");
        return;
      }
      this.setAlert(
        incident.status === "IN_REVIEW"
          ? this.lostReason(incident, { holder: incident.assignedTo })
          : () => t("claimNotPossible", { status: term("status", incident.status) }),
      );
      this.announce($("#detail-alert .message-text").textContent);
      this.focusAlert();
      return;
    }
    try {
      await this.api.act(incident.id, "claim");
      this.setNotice(() => t("claimed"));
      this.announce(t("claimed"));
      this.queue.refreshSoon("RECEIVED", "IN_REVIEW");
      await this.refreshDetail();
      // Next comes the verification: its form, focus on its first field (or the draft kept earlier).
      if (this.canReview()) this.openForm(this.drafts.get(incident.id)?.open || "verify");
    } catch (error) {
      await this.explain(error);
    }
  }

  canReview() {
    const incident = this.currentIncident();
    return Boolean(incident && incident.status === "IN_REVIEW" && incident.assignedTo === this.me);
  }

  // -- the forms and their drafts --------------------------------------------------------------------

  /** What a form holds now (verify: its fields and the chosen point). */
  formValues(which) {
    if (which === "verify") {
      return {
        category: $("#verify-category").value,
        priority: $("#verify-priority-options input:checked")?.value || "",
        district: $("#verify-district").value,
        address: $("#verify-address").value,
        summary: $("#verify-summary").value,
        agencies: $$("#verify-agency-options input:checked").map((i) => i.value),
        agenciesTouched: this.agenciesTouched,
        point: this.point ? { ...this.point } : null,
      };
    }
    return {
      reason: $("#reject-reason-options input:checked")?.value || "",
      duplicateOf: $("#reject-duplicate-of").value,
      note: $("#reject-note").value,
    };
  }

  applyValues(which, values) {
    if (which === "verify") {
      $("#verify-category").value = values.category;
      for (const input of $$("#verify-priority-options input")) input.checked = input.value === values.priority;
      $("#verify-district").value = values.district;
      $("#verify-address").value = values.address;
      $("#verify-summary").value = values.summary;
      this.checkAgencies(values.agencies);
      this.agenciesTouched = values.agenciesTouched;
      this.point = values.point ? { ...values.point } : null;
      this.renderPoint();
      this.map?.setPoint(this.point);
    } else {
      for (const input of $$("#reject-reason-options input")) input.checked = input.value === values.reason;
      $("#reject-duplicate-of").value = values.duplicateOf;
      $("#reject-note").value = values.note;
      this.reasonChanged();
    }
  }

  isDirty(which = this.form) {
    if (!which || !this.baseline[which]) return false;
    return JSON.stringify(this.formValues(which)) !== JSON.stringify(this.baseline[which]);
  }

  /** Keep what the open form holds as the incident's draft (or forget the draft if nothing was typed). */
  saveDraft(which = this.form, { reopen = false } = {}) {
    if (!this.current || !which) return false;
    const id = this.current.id;
    const draft = this.drafts.get(id) || {};
    const dirty = this.isDirty(which);
    if (dirty) draft[which] = this.formValues(which);
    else delete draft[which];
    draft.open = dirty && reopen ? which : draft.open === which ? null : draft.open;
    if (draft.verify || draft.reject) this.drafts.set(id, draft);
    else this.drafts.delete(id);
    return dirty;
  }

  openForm(which, { focus = true } = {}) {
    const incident = this.currentIncident();
    if (!incident) return;
    if (!this.canReview()) return this.sayWhyNoForm(incident);
    const form = $(`#${which}-form`);
    if (this.form === which) {
      if (focus) this.focusFirst(form);
      return;
    }
    if (this.form) this.closeForm(false); // the other form: its input stays a draft
    this.form = which;
    this.clearAlert();
    resetForm(form);
    if (which === "verify") this.prepareVerify();
    else this.prepareReject();
    this.baseline[which] = this.formValues(which);
    const draft = this.drafts.get(incident.id);
    if (draft?.[which]) {
      this.applyValues(which, draft[which]);
      this.setNotice(() => t("draftRestored"));
    } else if (this.noticeText && this.noticeText() === t("draftRestored")) {
      this.setNotice(null);
    }
    if (draft) draft.open = null;
    show(form);
    $("#detail-grid").classList.add("working");
    this.renderActions(incident);
    this.map?.invalidate();
    this.map?.setPoint(this.point);
    this.revealForm(form);
    if (focus) this.focusFirst(form);
  }

  /** Scroll the pane so that the form shows below the sticky head, as much of it as fits; from the
   * top when it fits from there (the facts and the citizen's words stay in view beside it). */
  revealForm(form) {
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
  sayWhyNoForm(incident) {
    let why;
    if (incident.status === "IN_REVIEW") {
      why = this.lostReason(incident, { holder: incident.assignedTo });
      this.setAlert(why);
    } else {
      why = incident.status === "RECEIVED" ? () => t("claimFirst") : () => t("formNotNow", { status: term("status", incident.status) });
      this.setNotice(why);
    }
    this.announce(why());
  }

  focusFirst(form) {
    const checked = form.querySelector('input[type="radio"]:checked');
    const first = form.querySelector("select, input, textarea");
    const target = first && first.type === "radio" && checked ? checked : first;
    if (target) target.focus();
  }

  /** Hide the open form; what was typed stays as the incident's draft (said in the notice). */
  closeForm(focusBack, { reopen = false, quiet = false } = {}) {
    const which = this.form;
    if (!which) return false;
    const kept = this.saveDraft(which, { reopen });
    this.form = null;
    for (const id of FORMS) show($(`#${id}-form`), false);
    $("#detail-grid").classList.remove("working");
    if (this.map) this.map.setPoint(this.point);
    if (this.currentIncident()) this.renderActions(this.currentIncident());
    if (kept && !quiet && !reopen) {
      this.setNotice(() => t("draftKept", { key: FORM_KEYS[which] }));
      this.announce(t("draftKept", { key: FORM_KEYS[which] }));
    }
    if (focusBack) {
      const button = $(`#${which}-button`);
      (button && !button.hidden ? button : $("#detail-heading")).focus();
    }
    return kept;
  }

  /** Forget the open form's input (its draft too) and close it. */
  discardForm() {
    const which = this.form;
    if (!which || !this.current) return;
    const draft = this.drafts.get(this.current.id);
    if (draft) {
      delete draft[which];
      if (!draft.verify && !draft.reject) this.drafts.delete(this.current.id);
    }
    this.applyValues(which, this.baseline[which]);
    this.closeForm(true);
    this.setNotice(() => t("draftDiscarded"));
    this.announce(t("draftDiscarded"));
  }

  /** While a form is open, the incident may move away (reassigned, changed elsewhere): say so, keep
   * what was typed as a draft. */
  checkForm(incident) {
    if (!this.form) return;
    if (incident.status === "IN_REVIEW" && incident.assignedTo === this.me) return;
    const focusWasInForm = Boolean(document.activeElement?.closest?.(".work-form"));
    const kept = this.closeForm(false, { reopen: true, quiet: true });
    const reason = this.lostReason(incident);
    this.setAlert(kept ? () => `${reason()} ${t("draftKeptShort")}` : reason);
    this.announce($("#detail-alert .message-text").textContent);
    if (focusWasInForm) this.focusAlert();
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
    $("#verify-clear-point").addEventListener("click", () => this.clearPoint());
    $("#verify-use-aml").addEventListener("click", () => this.useAml());
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
    const checkedPriority = $("#verify-priority-options input:checked")?.value;
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
        h(
          "label",
          { class: "option" },
          h("input", { type: "checkbox", name: "agencies", value: a.code, id: `verify-agency-${a.code}`, checked: checkedAgencies.has(a.code) }),
          " ",
          lang() === "en" ? a.nameEn : a.nameId,
        ),
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

  pick(lat, lon, fromMap = false) {
    if (!this.canReview()) return;
    this.point = lat == null ? null : { lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6 };
    this.map.setPoint(this.point);
    this.renderPoint();
    if (this.point) $("#verify-location-error").textContent = "";
    if (fromMap && this.point) this.announce(t("pointSet", { point: `${coord(this.point.lat)}, ${coord(this.point.lon)}` }));
  }

  clearPoint() {
    if (!this.canReview() || !this.point) return;
    this.pick(null);
    this.announce(t("pointCleared"));
  }

  useAml() {
    const incident = this.currentIncident();
    if (!incident) return;
    if (!this.canReview()) return this.sayWhyNoForm(incident);
    const aml = incident.aml;
    if (!aml) {
      this.setNotice(() => t("noAml"));
      this.announce(t("noAml"));
      return;
    }
    if (this.form !== "verify") this.openForm("verify", { focus: false });
    this.pick(aml.lat, aml.lon);
    this.announce(t("pointSet", { point: `${coord(this.point.lat)}, ${coord(this.point.lon)}` }));
  }

  renderPoint() {
    $("#verify-point").textContent = this.point ? `${coord(this.point.lat)}, ${coord(this.point.lon)}` : t("noPoint");
    show($("#verify-clear-point"), Boolean(this.point));
  }

  async submitVerify(event) {
    event.preventDefault();
    const form = $("#verify-form");
    resetErrors(form);
    const category = $("#verify-category").value;
    const priority = $("#verify-priority-options input:checked")?.value;
    const district = $("#verify-district").value;
    const address = $("#verify-address").value.trim();
    const summary = $("#verify-summary").value.trim();
    const agencies = $$("#verify-agency-options input:checked").map((i) => i.value);
    let invalid = false;
    const fail = (field, key) => {
      invalid = true;
      fieldError("verify", field, t(key));
    };
    if (!category) fail("category", "err_category");
    if (!priority) fail("priority", "err_priority");
    if (address && (address.length < 3 || address.length > 500)) fail("address", "err_address");
    const addressOk = address.length >= 3 && address.length <= 500;
    if (!district && !addressOk && !this.point) fail("location", "err_location");
    if (summary.length < 3 || summary.length > 2000) fail("summary", "err_summary");
    if (!agencies.length) fail("agencies", "err_agencies");
    if (invalid) return focusFirstInvalid(form);
    const location = {};
    if (district) location.district = district;
    if (addressOk) location.address = address;
    if (this.point) Object.assign(location, this.point);
    const body = { category, priority, location, summary, agencies };
    const incident = this.currentIncident();
    await this.send(form, async () => {
      await this.api.act(incident.id, "verify", body);
      this.finishForm(incident.id);
      const names = agencies.map((a) => agencyName(this.config.agencies, a)).join(", ");
      this.setNotice(() => t("verified", { agencies: names }));
      this.announce(t("verified", { agencies: names }));
      this.queue.refreshSoon(...OPEN_STATUSES);
      await this.refreshDetail();
      $("#detail-heading").focus();
    }, { summary: "summary", category: "category", priority: "priority", agencies: "agencies", address: "address", district: "location", lat: "location", lon: "location", location: "location" });
  }

  /** A form went through: it and its draft are done. */
  finishForm(id) {
    this.drafts.delete(id);
    this.form = null;
    for (const which of FORMS) show($(`#${which}-form`), false);
    $("#detail-grid").classList.remove("working");
    this.point = null;
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
        await this.explain(error); // refreshes: checkForm turns the form into a draft if it is no longer ours
        if (this.form === which) {
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

  /** Open incidents to pick the original from: short lines (…last 6 of the id, when, channel, who). */
  fillDuplicates() {
    const self = this.current?.id;
    const picked = $("#reject-duplicate-pick").value;
    const open = this.queue
      .openItems()
      .filter((i) => i.id !== self)
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, 50);
    replace(
      $("#reject-duplicate-pick"),
      h("option", { value: "" }, t("duplicateNone")),
      open.map((i) =>
        h("option", { value: i.id }, `…${i.id.slice(-6)} · ${shortTime(i.receivedAt)} · ${term("channel", i.channel)} · ${reporter(i) || t("callerUnknown")}`),
      ),
    );
    if (picked && open.some((i) => i.id === picked)) $("#reject-duplicate-pick").value = picked;
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
    else if (reason === "DUPLICATE" && duplicateOf === this.current?.id) fail("duplicateOf", "err_duplicateSelf");
    if (invalid) return focusFirstInvalid(form);
    const body = { reason };
    if (note) body.note = note;
    if (reason === "DUPLICATE") body.duplicateOf = duplicateOf;
    const incident = this.currentIncident();
    await this.send(form, async () => {
      await this.api.act(incident.id, "reject", body);
      this.finishForm(incident.id);
      this.setNotice(() => t("rejected", { reason: term("reason", reason) }));
      this.announce(t("rejected", { reason: term("reason", reason) }));
      this.queue.refreshSoon("IN_REVIEW");
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
    this.prepareDialogForm(form, incident.id);
    replace($("#ack-agency"), pending.map((d) => h("option", { value: d.agency }, agencyName(this.config.agencies, d.agency))));
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
    const incident = this.currentIncident();
    await this.sendDialog(form, "ack-dialog", async () => {
      await this.api.acknowledge(incident.id, agency, note || null);
      this.setNotice(() => t("acknowledged", { agency: agencyName(this.config.agencies, agency) }));
      this.announce(t("acknowledged", { agency: agencyName(this.config.agencies, agency) }));
      this.queue.refreshSoon(...DISPATCHED_STATUSES);
      await this.refreshDetail();
    }, { note: "note" });
  }

  openClose() {
    const incident = this.currentIncident();
    if (!incident || incident.status !== "ACKNOWLEDGED") return;
    this.prepareDialogForm($("#close-form"), incident.id);
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
    const incident = this.currentIncident();
    await this.sendDialog(form, "close-dialog", async () => {
      await this.api.act(incident.id, "close", { note });
      this.setNotice(() => t("closed"));
      this.announce(t("closed"));
      this.queue.refreshSoon(...DISPATCHED_STATUSES);
      await this.refreshDetail();
    }, { note: "note" });
  }

  async openReassign() {
    const incident = this.currentIncident();
    if (!this.store.isSupervisor || !incident || incident.status !== "IN_REVIEW") return;
    const form = $("#reassign-form");
    resetForm(form);
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
    resetErrors(form);
    const assignee = $("#reassign-assignee").value;
    if (!assignee) {
      fieldError("reassign", "assignee", t("err_assignee"));
      return focusFirstInvalid(form);
    }
    const incident = this.currentIncident();
    await this.sendDialog(form, "reassign-dialog", async () => {
      await this.api.act(incident.id, "reassign", { assignee });
      this.setNotice(() => t("reassigned", { user: assignee }));
      this.announce(t("reassigned", { user: assignee }));
      this.queue.refreshSoon("IN_REVIEW");
      await this.refreshDetail();
    }, { assignee: "assignee" });
  }

  /** A dialog's note typed and then closed with Esc is still there when it opens again for the same
   * incident; for another incident it starts empty. */
  prepareDialogForm(form, incidentId) {
    if (form.dataset.incident === incidentId) return resetErrors(form);
    resetForm(form);
    form.dataset.incident = incidentId;
  }

  async sendDialog(form, dialogId, action, fields) {
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    button.disabled = true;
    this.clearAlert();
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
        await this.explain(error);
      }
    } finally {
      button.disabled = false;
    }
  }

  // -- Amazon Connect screen pops --------------------------------------------------------------------

  /** An incoming call names its incident. Open it, unless the operator is filling a form on another
   * one: then ask (their input would be hidden under their hands). */
  callArrived(id) {
    if (this.current?.id === id) return this.openIncident(id, { focus: false });
    // Filling a form, or in a dialog about the open incident: the call waits for a click.
    if ((this.form && this.isDirty()) || anyDialogOpen()) {
      this.showCallPop(id);
      this.announce(t("callWaiting", { ref: id.slice(-6) }));
      return null;
    }
    return this.openIncident(id);
  }

  showCallPop(id) {
    this.pendingCall = id;
    $("#call-pop-text").textContent = t("callWaiting", { ref: id.slice(-6) });
    $("#call-pop").dataset.id = id;
    show($("#call-pop"));
  }

  hideCallPop(focusBack = false) {
    this.pendingCall = null;
    show($("#call-pop"), false);
    if (focusBack && this.form) this.focusFirst($(`#${this.form}-form`));
  }

  openPendingCall() {
    const id = this.pendingCall;
    this.hideCallPop();
    if (id) this.openIncident(id);
  }

  // -- keyboard --------------------------------------------------------------------------------------

  fillHelp() {
    const keys = [
      ["j / k, ↓ / ↑", "key_move"],
      ["n", "key_newest"],
      ["Enter", "key_open"],
      ["Esc", "key_escape"],
      ["c", "key_claim"],
      ["v", "key_verify"],
      ["r", "key_reject"],
      ["p · Alt+P", "key_aml"],
      ["h · Alt+H", "key_clearPoint"],
      [t("key_mapKeys"), "key_map"],
      ["a", "key_ack"],
      ["x", "key_close"],
      ["t", "key_reassign"],
      ["1 2 3 4", "key_tabs"],
      ["l", "key_lang"],
      ["?", "key_help"],
      ["Ctrl+Enter", "key_submit"],
      ["i · Alt+I", "key_callOffer"],
    ];
    replace($("#help-keys"), keys.map(([key, what]) => h("tr", {}, h("th", { scope: "row" }, h("kbd", {}, key)), h("td", {}, t(what)))));
  }

  /** Esc: a form closes (its input kept as a draft), then the incident's view closes. */
  escape(event) {
    if (this.form) {
      event.preventDefault();
      this.closeForm(true);
      return;
    }
    if (this.current) {
      event.preventDefault();
      this.closeIncident(true);
    }
  }

  onKey(event) {
    if (event.defaultPrevented || $("#app-view").hidden) return;
    const target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const form = target.closest?.("form");
      if (form && !form.hidden) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (anyDialogOpen()) return; // a dialog handles its own keys (Esc closes it)
    if (event.key === "Escape") return this.escape(event);
    // A call without its incident: Alt+I opens it from inside a form too (i outside one, below).
    if (event.altKey && event.code === "KeyI" && !event.ctrlKey && !event.metaKey && this.calls?.pending) {
      event.preventDefault();
      this.calls.take();
      return;
    }
    // With Alt, the point's shortcuts work inside the verify form too (by the key's place: Option+P
    // on a Mac types "π").
    if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      const alt = { KeyP: () => this.useAml(), KeyH: () => this.clearPoint() }[event.code];
      if (alt && this.canReview()) {
        event.preventDefault();
        alt();
      }
      return;
    }
    // No single-key shortcut inside a form (its fields, radios, checkboxes, buttons) or while typing.
    if (inFormControl(event) || target.closest?.("form") || event.ctrlKey || event.metaKey || event.altKey) return;
    const inList = target === document.body || target.closest?.("#queue-pane") || target.id === "main";
    const handlers = {
      j: () => this.queue.move(1),
      k: () => this.queue.move(-1),
      n: () => this.queue.jumpToNewest(),
      c: () => this.claim(),
      v: () => this.openForm("verify"),
      r: () => this.openForm("reject"),
      p: () => this.useAml(),
      h: () => this.clearPoint(),
      a: () => this.openAck(),
      x: () => this.openClose(),
      t: () => this.openReassign(),
      1: () => this.queue.setTab("queue", true),
      2: () => this.queue.setTab("mine", true),
      3: () => this.queue.setTab("dispatched", true),
      4: () => this.queue.setTab("review", true),
      l: () => toggleLanguage(),
      "?": () => openDialog($("#help-dialog")),
      i: () => this.calls?.take(),
    };
    if (target.getAttribute?.("role") === "tab" && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      const tabs = $$("[role=tab]").filter((tab) => !tab.hidden);
      const index = tabs.indexOf(target) + (event.key === "ArrowRight" ? 1 : -1);
      event.preventDefault();
      this.queue.setTab(tabs[(index + tabs.length) % tabs.length].dataset.tab, true);
      return;
    }
    if (inList) {
      handlers.ArrowDown = () => this.queue.move(1);
      handlers.ArrowUp = () => this.queue.move(-1);
      handlers.Home = () => this.queue.move(-Infinity);
      handlers.End = () => this.queue.move(Infinity);
    }
    if (event.key === "Enter") {
      if (target.closest?.("button, a, input, [role=tab], .leaflet-container")) return; // they handle Enter themselves
      const id = this.queue.selectedId();
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
