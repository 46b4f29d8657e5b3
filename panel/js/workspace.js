// The operators' workspace: the live lists (queue, mine, dispatched, all in review), the incident's
// detail with its map, and the actions of the lifecycle (claim, verify A1, reject, acknowledge, close,
// reassign). Everything polls (polling.js): lists every ~1.5 s, the open incident every ~2 s, both through
// the API's conditional GETs; a poll that fails says so, with the time of the last good answer.
//
// The verify and reject forms keep a draft per incident, in memory only (gone at sign-out): switching
// forms, closing one with Esc, a screen pop for another call or a conflict never throws typed input away.
import { $, $$, h, replace, show, inFormControl } from "./dom.js";
import { t, term, toggleLanguage, onLanguageChange } from "./i18n.js";
import { ApiError } from "./api.js";
import { IncidentMap } from "./map.js";
import { openDialog, closeDialog, anyDialogOpen, setupDialogs } from "./dialogs.js";
import { DISPATCHED_STATUSES } from "./polling.js";
import { agencyName } from "./incident-words.js";
import { Messages } from "./messages.js";
import { fieldError, focusFirstInvalid, resetErrors, resetForm, serverFieldErrors } from "./form-errors.js";
import { WorkspaceStore } from "./store.js";
import { Drafts } from "./drafts.js";
import { QueueView } from "./lists.js";
import { IncidentView } from "./incident.js";
import { Conflicts, lostReason } from "./conflicts.js";
import { FormDesk } from "./forms.js";
import { VerifyForm } from "./verify-form.js";
import { RejectForm } from "./reject-form.js";

const FORMS = ["verify", "reject"];

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
    this.forms = null; // the verify and reject forms (forms.js)
    this.verify = null; // the verify form (verify-form.js): the map sets its point
    this.drafts = new Drafts(); // incident id -> {verify?, reject?, open?}: typed input kept in memory
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
    $("#verify-button").addEventListener("click", () => this.forms.open("verify"));
    $("#reject-button").addEventListener("click", () => this.forms.open("reject"));
    $("#ack-button").addEventListener("click", () => this.openAck());
    $("#close-button").addEventListener("click", () => this.openClose());
    $("#reassign-button").addEventListener("click", () => this.openReassign());
    $("#detail-dispatches").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-agency]");
      if (button) this.openAck(button.dataset.agency);
    });
    $("#call-pop-open").addEventListener("click", () => this.openPendingCall());
    $("#call-pop-later").addEventListener("click", () => this.hideCallPop(true));
    $("#ack-form").addEventListener("submit", (e) => this.submitAck(e));
    $("#close-form").addEventListener("submit", (e) => this.submitClose(e));
    $("#reassign-form").addEventListener("submit", (e) => this.submitReassign(e));
    document.addEventListener("keydown", (e) => this.onKey(e));
    onLanguageChange(() => this.relabel());
    this.map = new IncidentMap($("#map"), {
      center: this.config.regency.center,
      tiles: this.config.map,
      districtCenters: this.config.regency.districtCenters,
      onPick: (lat, lon) => this.verify.pick(lat, lon, true),
      onClear: () => this.verify.clearPoint(),
    });
    this.incidentView = new IncidentView({ store, api, messages, lists, map: this.map, agencies: this.config.agencies });
    this.conflicts = new Conflicts({ store, drafts, incidentView: this.incidentView, lists, messages, announce });
    const { incidentView, conflicts, map, config } = this;
    const forms = (this.forms = new FormDesk({ store, drafts, messages, conflicts, map, announce }));
    this.verify = new VerifyForm({ store, forms, messages, lists, incidentView, map, config, api, announce });
    new RejectForm({ store, forms, messages, lists, incidentView, api, announce });
    store.on("leave", ({ to }) => {
      if (to && this.pendingCall === to) this.hideCallPop();
    });
    // The action buttons follow the incident, the open form and the drafts.
    store.on("detail", ({ incident }) => this.renderActions(incident));
    store.on("form", () => {
      if (store.incident) this.renderActions(store.incident);
    });
    drafts.onChange(() => {
      if (store.incident) this.renderActions(store.incident);
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
    this.fillHelp();
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
        this.forms.open(this.drafts.get(incident.id)?.open || this.store.form || "verify");
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
      if (this.store.canReview()) this.forms.open(this.drafts.get(incident.id)?.open || "verify");
    } catch (error) {
      await this.conflicts.explain(error);
    }
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
    if (this.forms.isDirty() || anyDialogOpen()) {
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
    if (focusBack && this.store.form) this.forms.focusOpen();
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
      this.forms.close(true);
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
      const alt = { KeyP: () => this.verify.useAml(), KeyH: () => this.verify.clearPoint() }[event.code];
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
      v: () => this.forms.open("verify"),
      r: () => this.forms.open("reject"),
      p: () => this.verify.useAml(),
      h: () => this.verify.clearPoint(),
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
