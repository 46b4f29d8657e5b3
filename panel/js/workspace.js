// The operators' workspace: the live lists (queue, mine, dispatched, all in review), the incident's
// detail with its map, and the actions of the lifecycle (claim, verify A1, reject, acknowledge, close,
// reassign). Everything polls (polling.js): lists every ~1.5 s, the open incident every ~2 s, both through
// the API's conditional GETs; a poll that fails says so, with the time of the last good answer.
//
// The verify and reject forms keep a draft per incident, in memory only (gone at sign-out): switching
// forms, closing one with Esc, a screen pop for another call or a conflict never throws typed input away.
import { $, $$, h, replace, show, inFormControl } from "./dom.js";
import { t, term, lang, toggleLanguage, onLanguageChange } from "./i18n.js";
import { shortTime, coord } from "./format.js";
import { ApiError } from "./api.js";
import { IncidentMap } from "./map.js";
import { openDialog, closeDialog, anyDialogOpen, setupDialogs } from "./dialogs.js";
import { DISPATCHED_STATUSES, OPEN_STATUSES } from "./polling.js";
import { agencyName, reporter } from "./incident-words.js";
import { describeError } from "./errors.js";
import { Messages, messageNodes } from "./messages.js";
import { fieldError, focusFirstInvalid, resetErrors, resetForm, serverFieldErrors } from "./form-errors.js";
import { WorkspaceStore } from "./store.js";
import { Drafts } from "./drafts.js";
import { QueueView } from "./lists.js";
import { IncidentView } from "./incident.js";
import { Conflicts, lostReason } from "./conflicts.js";

const CATEGORIES = ["FIRE", "CRIME", "MEDICAL", "TRAFFIC_ACCIDENT", "DISASTER", "RESCUE", "OTHER"];
const REASONS = ["PRANK", "NON_EMERGENCY", "DUPLICATE"];
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const FORMS = ["verify", "reject"];
const FORM_KEYS = { verify: "v", reject: "r" };

export class Workspace {
  constructor({ config, api, session, announce, onLogout }) {
    this.config = config;
    this.api = api;
    this.store = new WorkspaceStore(session); // what the modules share: the session, the open incident, the form
    this.announce = announce;
    this.onLogout = onLogout;
    this.queue = null; // the lists (lists.js)
    this.incidentView = null; // the open incident (incident.js)
    this.messages = null; // the alert and the notice over it (messages.js)
    this.conflicts = null; // why an action failed (conflicts.js)
    this.baseline = {}; // form -> its values as prepared (a form differing from them is dirty)
    this.drafts = new Drafts(); // incident id -> {verify?, reject?, open?}: typed input kept in memory
    this.point = null;
    this.agenciesTouched = false;
    this.pendingCall = null; // an incident a screen pop wanted to open while a form was being filled
    this.calls = null; // CallOffers (calls.js): calls that reached the operator without an incident
    this.operators = null;
    this.map = null;
    this.wired = false;
  }

  // -- life cycle ------------------------------------------------------------------------------------

  start() {
    if (!this.wired) this.wire();
    this.queue.start();
    this.incidentView.start();
  }

  stop() {
    this.incidentView.stop();
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

  // calls.js opens an incident and keeps the notice under its own
  openIncident(id, options) {
    return this.incidentView.open(id, options);
  }

  get noticeText() {
    return this.messages.notice;
  }

  setNotice(text) {
    this.messages.setNotice(text);
  }

  wire() {
    this.wired = true;
    setupDialogs();
    const { store, drafts, api, announce } = this;
    const messages = (this.messages = new Messages());
    const lists = (this.queue = new QueueView({ store, drafts, api, announce, open: (id) => this.incidentView.open(id) }));
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
    this.incidentView = new IncidentView({ store, api, messages, lists, map: this.map, agencies: this.config.agencies });
    this.conflicts = new Conflicts({ store, drafts, incidentView: this.incidentView, lists, messages, announce });
    // The form follows the incident it is open on (store.js has the events).
    store.on("leave", ({ from, to }) => {
      if (store.form) {
        const kept = this.closeForm(false, { reopen: true });
        if (kept && to) messages.setNotice(() => t("draftKeptFor", { ref: from.slice(-6) }));
      }
      this.point = null;
      this.map.setPoint(null);
      if (to && this.pendingCall === to) this.hideCallPop();
    });
    store.on("opened", ({ id }) => {
      const draft = this.drafts.get(id);
      if (draft?.open && !store.form && store.canReview()) {
        this.openForm(draft.open, { focus: false });
        messages.setNotice(() => t("draftRestored"));
      }
    });
    store.on("detail", ({ incident }) => {
      this.renderActions(incident);
      this.checkForm(incident);
      show($("#verify-use-aml"), Boolean(incident.aml)); // a fix may arrive while the verify form is open
    });
    // The phone pane folded or the window changed: the open form may fit beside the facts now.
    window.addEventListener("resize", () => {
      if (this.store.form) requestAnimationFrame(() => this.revealForm($(`#${this.store.form}-form`)));
    });
    this.fillHelp();
  }

  // -- the open incident's action buttons -------------------------------------------------------------

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
      button.classList.toggle("has-draft", Boolean(draft[which]) && this.store.form !== which);
      button.dataset.draftLabel = t("draftChip");
    }
  }

  // -- the language --------------------------------------------------------------------------------------

  relabel() {
    if (this.pendingCall) this.showCallPop(this.pendingCall);
    this.fillVerifyOptions(false);
    this.fillRejectOptions();
    this.fillDuplicates();
    this.fillHelp();
    this.renderPoint();
  }

  // -- actions ---------------------------------------------------------------------------------------

  async claim() {
    const incident = this.store.incident;
    if (!incident) {
      const id = this.queue.selectedId();
      if (id) await this.incidentView.open(id, { focus: false });
      if (!this.store.incident) return;
      return this.claim();
    }
    this.messages.clearAlert();
    if (incident.status !== "RECEIVED") {
      // The view already knows: say why rather than send a request bound to fail.
      if (incident.status === "IN_REVIEW" && incident.assignedTo === this.me) {
        this.messages.setNotice(() => t("alreadyYours"));
        this.announce(t("alreadyYours"));
        this.openForm(this.drafts.get(incident.id)?.open || this.store.form || "verify");
        return;
      }
      this.messages.setAlert(
        incident.status === "IN_REVIEW"
          ? lostReason(incident, this.me, { holder: incident.assignedTo })
          : () => t("claimNotPossible", { status: term("status", incident.status) }),
      );
      this.announce(this.messages.alertMessage());
      this.messages.focusAlert();
      return;
    }
    try {
      await this.api.act(incident.id, "claim");
      this.messages.setNotice(() => t("claimed"));
      this.announce(t("claimed"));
      this.queue.refreshSoon("RECEIVED", "IN_REVIEW");
      await this.incidentView.refresh();
      // Next comes the verification: its form, focus on its first field (or the draft kept earlier).
      if (this.store.canReview()) this.openForm(this.drafts.get(incident.id)?.open || "verify");
    } catch (error) {
      await this.conflicts.explain(error);
    }
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

  isDirty(which = this.store.form) {
    if (!which || !this.baseline[which]) return false;
    return JSON.stringify(this.formValues(which)) !== JSON.stringify(this.baseline[which]);
  }

  /** Keep what the open form holds as the incident's draft (or forget the draft if nothing was typed). */
  saveDraft(which = this.store.form, { reopen = false } = {}) {
    if (!this.store.openId || !which) return false;
    const id = this.store.openId;
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
    const incident = this.store.incident;
    if (!incident) return;
    if (!this.store.canReview()) return this.sayWhyNoForm(incident);
    const form = $(`#${which}-form`);
    if (this.store.form === which) {
      if (focus) this.focusFirst(form);
      return;
    }
    if (this.store.form) this.closeForm(false); // the other form: its input stays a draft
    this.store.setForm(which);
    this.messages.clearAlert();
    resetForm(form);
    if (which === "verify") this.prepareVerify();
    else this.prepareReject();
    this.baseline[which] = this.formValues(which);
    const draft = this.drafts.get(incident.id);
    if (draft?.[which]) {
      this.applyValues(which, draft[which]);
      this.messages.setNotice(() => t("draftRestored"));
    } else if (this.messages.notice && this.messages.notice() === t("draftRestored")) {
      this.messages.setNotice(null);
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
      why = lostReason(incident, this.me, { holder: incident.assignedTo });
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

  /** Hide the open form; what was typed stays as the incident's draft (said in the notice). */
  closeForm(focusBack, { reopen = false, quiet = false } = {}) {
    const which = this.store.form;
    if (!which) return false;
    const kept = this.saveDraft(which, { reopen });
    this.store.setForm(null);
    for (const id of FORMS) show($(`#${id}-form`), false);
    $("#detail-grid").classList.remove("working");
    if (this.map) this.map.setPoint(this.point);
    if (this.store.incident) this.renderActions(this.store.incident);
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
  discardForm() {
    const which = this.store.form;
    if (!which || !this.store.openId) return;
    const draft = this.drafts.get(this.store.openId);
    if (draft) {
      delete draft[which];
      if (!draft.verify && !draft.reject) this.drafts.delete(this.store.openId);
    }
    this.applyValues(which, this.baseline[which]);
    this.closeForm(true);
    this.messages.setNotice(() => t("draftDiscarded"));
    this.announce(t("draftDiscarded"));
  }

  /** While a form is open, the incident may move away (reassigned, changed elsewhere): say so, keep
   * what was typed as a draft. */
  checkForm(incident) {
    if (!this.store.form) return;
    if (incident.status === "IN_REVIEW" && incident.assignedTo === this.me) return;
    const focusWasInForm = Boolean(document.activeElement?.closest?.(".work-form"));
    const kept = this.closeForm(false, { reopen: true, quiet: true });
    const reason = lostReason(incident, this.me);
    this.messages.setAlert(kept ? () => `${reason()} ${t("draftKeptShort")}` : reason);
    this.announce(this.messages.alertMessage());
    if (focusWasInForm) this.messages.focusAlert();
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
    const incident = this.store.incident;
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
    if (!this.store.canReview()) return;
    this.point = lat == null ? null : { lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6 };
    this.map.setPoint(this.point);
    this.renderPoint();
    if (this.point) $("#verify-location-error").textContent = "";
    if (fromMap && this.point) this.announce(t("pointSet", { point: `${coord(this.point.lat)}, ${coord(this.point.lon)}` }));
  }

  clearPoint() {
    if (!this.store.canReview() || !this.point) return;
    this.pick(null);
    this.announce(t("pointCleared"));
  }

  useAml() {
    const incident = this.store.incident;
    if (!incident) return;
    if (!this.store.canReview()) return this.sayWhyNoForm(incident);
    const aml = incident.aml;
    if (!aml) {
      this.messages.setNotice(() => t("noAml"));
      this.announce(t("noAml"));
      return;
    }
    if (this.store.form !== "verify") this.openForm("verify", { focus: false });
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
    const incident = this.store.incident;
    await this.send(form, async () => {
      await this.api.act(incident.id, "verify", body);
      this.finishForm(incident.id);
      const names = agencies.map((a) => agencyName(this.config.agencies, a)).join(", ");
      this.messages.setNotice(() => t("verified", { agencies: names }));
      this.announce(t("verified", { agencies: names }));
      this.queue.refreshSoon(...OPEN_STATUSES);
      await this.incidentView.refresh();
      $("#detail-heading").focus();
    }, { summary: "summary", category: "category", priority: "priority", agencies: "agencies", address: "address", district: "location", lat: "location", lon: "location", location: "location" });
  }

  /** A form went through: it and its draft are done. */
  finishForm(id) {
    this.drafts.delete(id);
    this.store.setForm(null);
    for (const which of FORMS) show($(`#${which}-form`), false);
    $("#detail-grid").classList.remove("working");
    this.point = null;
    this.map.setPoint(null);
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
        await this.conflicts.explain(error); // refreshes: checkForm turns the form into a draft if it is no longer ours
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
    const self = this.store.openId;
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
    else if (reason === "DUPLICATE" && duplicateOf === this.store.openId) fail("duplicateOf", "err_duplicateSelf");
    if (invalid) return focusFirstInvalid(form);
    const body = { reason };
    if (note) body.note = note;
    if (reason === "DUPLICATE") body.duplicateOf = duplicateOf;
    const incident = this.store.incident;
    await this.send(form, async () => {
      await this.api.act(incident.id, "reject", body);
      this.finishForm(incident.id);
      this.messages.setNotice(() => t("rejected", { reason: term("reason", reason) }));
      this.announce(t("rejected", { reason: term("reason", reason) }));
      this.queue.refreshSoon("IN_REVIEW");
      await this.incidentView.refresh();
      $("#detail-heading").focus();
    }, { reason: "reason", note: "note", duplicateOf: "duplicateOf" });
  }

  // -- acknowledge, close, reassign (dialogs) ---------------------------------------------------------

  openAck(agency = null) {
    const incident = this.store.incident;
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
    const incident = this.store.incident;
    await this.sendDialog(form, "ack-dialog", async () => {
      await this.api.acknowledge(incident.id, agency, note || null);
      this.messages.setNotice(() => t("acknowledged", { agency: agencyName(this.config.agencies, agency) }));
      this.announce(t("acknowledged", { agency: agencyName(this.config.agencies, agency) }));
      this.queue.refreshSoon(...DISPATCHED_STATUSES);
      await this.incidentView.refresh();
    }, { note: "note" });
  }

  openClose() {
    const incident = this.store.incident;
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
    const incident = this.store.incident;
    await this.sendDialog(form, "close-dialog", async () => {
      await this.api.act(incident.id, "close", { note });
      this.messages.setNotice(() => t("closed"));
      this.announce(t("closed"));
      this.queue.refreshSoon(...DISPATCHED_STATUSES);
      await this.incidentView.refresh();
    }, { note: "note" });
  }

  async openReassign() {
    const incident = this.store.incident;
    if (!this.store.isSupervisor || !incident || incident.status !== "IN_REVIEW") return;
    const form = $("#reassign-form");
    resetForm(form);
    try {
      this.operators = await this.api.operators();
    } catch (error) {
      return this.conflicts.explain(error);
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
    const incident = this.store.incident;
    await this.sendDialog(form, "reassign-dialog", async () => {
      await this.api.act(incident.id, "reassign", { assignee });
      this.messages.setNotice(() => t("reassigned", { user: assignee }));
      this.announce(t("reassigned", { user: assignee }));
      this.queue.refreshSoon("IN_REVIEW");
      await this.incidentView.refresh();
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

  // -- Amazon Connect screen pops --------------------------------------------------------------------

  /** An incoming call names its incident. Open it, unless the operator is filling a form on another
   * one: then ask (their input would be hidden under their hands). */
  callArrived(id) {
    if (this.store.openId === id) return this.incidentView.open(id, { focus: false });
    // Filling a form, or in a dialog about the open incident: the call waits for a click.
    if ((this.store.form && this.isDirty()) || anyDialogOpen()) {
      this.showCallPop(id);
      this.announce(t("callWaiting", { ref: id.slice(-6) }));
      return null;
    }
    return this.incidentView.open(id);
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
    if (focusBack && this.store.form) this.focusFirst($(`#${this.store.form}-form`));
  }

  openPendingCall() {
    const id = this.pendingCall;
    this.hideCallPop();
    if (id) this.incidentView.open(id);
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
    if (this.store.form) {
      event.preventDefault();
      this.closeForm(true);
      return;
    }
    if (this.store.openId) {
      event.preventDefault();
      this.incidentView.close(true);
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
      if (alt && this.store.canReview()) {
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
        this.incidentView.open(id);
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
