// The workspace's keyboard: single-key shortcuts outside forms (j/k, n, Enter, c, v, r, p, h, a, x, t,
// 1-6, l, ?, i, d, f; b, o, u, s for the callback desk; u on the callers' tab; g, m, e for related.js;
// Shift+A, Shift+M for major.js; w for conversation.js; Shift+U, Shift+X, Shift+O after verification,
// amend.js),
// inside a form only Esc, Ctrl+Enter and the Alt ones; and the help dialog that lists them.
// A key never types into a form and never acts while a dialog is open (the dialog has its own keys).
import { $, $$, h, replace, inFormControl } from "./dom.js";
import { t, toggleLanguage, onLanguageChange } from "./i18n.js";
import { anyDialogOpen, openDialog } from "./dialogs.js";

const HELP = [
  ["j / k, ↓ / ↑", "key_move"],
  ["n", "key_newest"],
  ["Enter", "key_open"],
  ["Esc", "key_escape"],
  ["c", "key_claim"],
  ["v", "key_verify"],
  ["r", "key_reject"],
  ["p · Alt+P", "key_aml"],
  ["h · Alt+H", "key_clearPoint"],
  [null, "key_map"], // the map's own keys, in words
  ["a", "key_ack"],
  ["x", "key_close"],
  ["t", "key_reassign"],
  ["Shift+U", "key_update"],
  ["Shift+X", "key_cancelIncident"],
  ["Shift+O", "key_reopen"],
  ["1 2 3 4 5", "key_tabs"],
  ["6", "key_standings"],
  ["b", "key_dial"],
  ["o", "key_callback"],
  ["u", "key_unreachable"],
  ["u", "key_lift"],
  ["s", "key_silent"],
  ["g", "key_related"],
  ["m", "key_note"],
  ["w", "key_write"],
  ["e", "key_detach"],
  ["Shift+A", "key_majorAttach"],
  ["Shift+M", "key_major"],
  ["l", "key_lang"],
  ["?", "key_help"],
  ["Ctrl+Enter", "key_submit"],
  ["i · Alt+I", "key_callOffer"],
  ["d", "key_directory"],
  ["f", "key_search"],
];

export class Keys {
  constructor({ store, lists, incidentView, forms, verify, actions, dialogs, amend, calls, desk, standings, related, major, conversation, openDirectory, openSearch }) {
    this.amend = amend;
    this.related = related;
    this.major = major;
    this.conversation = conversation;
    this.standings = standings;
    this.store = store;
    this.lists = lists;
    this.incidentView = incidentView;
    this.forms = forms;
    this.verify = verify;
    this.actions = actions;
    this.dialogs = dialogs;
    this.calls = calls;
    this.desk = desk;
    this.openDirectory = openDirectory;
    this.openSearch = openSearch;
    this.fillHelp();
    document.addEventListener("keydown", (e) => this.onKey(e));
    onLanguageChange(() => this.fillHelp());
  }

  fillHelp() {
    replace(
      $("#help-keys"),
      HELP.map(([key, what]) => h("tr", {}, h("th", { scope: "row" }, h("kbd", {}, key ?? t("key_mapKeys"))), h("td", {}, t(what)))),
    );
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
    if (event.altKey && event.code === "KeyI" && !event.ctrlKey && !event.metaKey && this.calls.pending) {
      event.preventDefault();
      this.calls.take();
      return;
    }
    // With Alt, the point's shortcuts work inside the verify form too (by the key's place: Option+P
    // on a Mac types "π").
    if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      const alt = { KeyP: () => this.verify.useAml(), KeyH: () => this.verify.clearPoint() }[event.code];
      if (alt && (this.store.canReview() || this.store.form === "update")) {
        event.preventDefault();
        alt();
      }
      return;
    }
    // No single-key shortcut inside a form (its fields, radios, checkboxes, buttons) or while typing.
    if (inFormControl(event) || target.closest?.("form") || event.ctrlKey || event.metaKey || event.altKey) return;
    const inList = target === document.body || target.closest?.("#queue-pane") || target.id === "main";
    // On the callers' tab the moves go through its own list.
    const list = this.lists.tab === "standings" ? this.standings : this.lists;
    const handlers = {
      j: () => list.move(1),
      k: () => list.move(-1),
      n: () => this.lists.jumpToNewest(),
      c: () => this.actions.claim(),
      v: () => this.forms.open("verify"),
      r: () => this.forms.open("reject"),
      p: () => this.verify.useAml(),
      h: () => this.verify.clearPoint(),
      a: () => this.dialogs.openAck(),
      x: () => this.dialogs.openClose(),
      t: () => this.dialogs.openReassign(),
      U: () => this.forms.open("update"),
      X: () => this.amend.openCancel(),
      O: () => this.amend.openReopen(),
      1: () => this.lists.setTab("queue", true),
      2: () => this.lists.setTab("mine", true),
      3: () => this.lists.setTab("dispatched", true),
      4: () => this.lists.setTab("review", true),
      5: () => this.lists.setTab("callbacks", true),
      6: () => this.lists.setTab("standings", true),
      b: () => this.desk.dial(),
      o: () => this.desk.openRecord(),
      // u: on the callers' tab a supervisor lifts the selected standing; anywhere else the desk closes
      // the call it acts on as unreachable. Each asks first, in a dialog that names what it acts on.
      u: () => (this.lists.tab === "standings" ? this.standings.liftSelected() : this.desk.openUnreachable()),
      s: () => this.desk.openSilent(),
      g: () => this.related.focusFirst(),
      m: () => this.related.focusNote(),
      e: () => this.related.openDetach(),
      A: () => this.major?.attachOpen(),
      M: () => this.major?.openDialog(),
      w: () => this.conversation.open(),
      l: () => toggleLanguage(),
      "?": () => openDialog($("#help-dialog")),
      i: () => this.calls.take(),
      d: () => this.openDirectory?.(),
      f: () => this.openSearch?.(),
    };
    if (target.getAttribute?.("role") === "tab" && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      const tabs = $$("[role=tab]").filter((tab) => !tab.hidden);
      const index = tabs.indexOf(target) + (event.key === "ArrowRight" ? 1 : -1);
      event.preventDefault();
      this.lists.setTab(tabs[(index + tabs.length) % tabs.length].dataset.tab, true);
      return;
    }
    if (inList) {
      handlers.ArrowDown = () => list.move(1);
      handlers.ArrowUp = () => list.move(-1);
      handlers.Home = () => list.move(-Infinity);
      handlers.End = () => list.move(Infinity);
    }
    if (event.key === "Enter") {
      if (target.closest?.("button, a, input, [role=tab], .leaflet-container")) return; // they handle Enter themselves
      const id = this.lists.selectedId();
      if (id) {
        event.preventDefault();
        this.incidentView.open(id);
      }
      return;
    }
    // Shift+U, Shift+X, Shift+O are their own keys; Caps Lock alone does not make u into Shift+U.
    const key = !event.shiftKey && event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const handler = handlers[key];
    if (handler) {
      event.preventDefault();
      handler();
    }
  }
}
