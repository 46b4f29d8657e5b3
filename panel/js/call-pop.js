// A screen pop for another incident while the operator is in the middle of something (a form with
// typed input, a dialog): the call waits in a banner with a button instead of switching the view under
// their hands. Otherwise the incident simply opens. (A call without an incident: calls.js.)
import { $, show } from "./dom.js";
import { t, onLanguageChange } from "./i18n.js";
import { anyDialogOpen } from "./dialogs.js";

export class CallPop {
  constructor({ store, incidentView, forms, announce }) {
    this.store = store;
    this.incidentView = incidentView;
    this.forms = forms;
    this.announce = announce;
    this.pendingId = null; // the incident a screen pop wanted to open
    $("#call-pop-open").addEventListener("click", () => this.openPending());
    $("#call-pop-later").addEventListener("click", () => this.hide(true));
    store.on("leave", ({ to }) => {
      if (to && to === this.pendingId) this.hide(); // opened another way
    });
    onLanguageChange(() => {
      if (this.pendingId) this.show(this.pendingId);
    });
  }

  /** An incoming call names its incident. Open it, unless the operator is filling a form on another
   * one: then ask (their input would be hidden under their hands). */
  arrived(id) {
    if (this.store.openId === id) return this.incidentView.open(id, { focus: false });
    // Filling a form, or in a dialog about the open incident: the call waits for a click.
    if (this.forms.isDirty() || anyDialogOpen()) {
      this.show(id);
      this.announce(t("callWaiting", { ref: id.slice(-6) }));
      return null;
    }
    return this.incidentView.open(id);
  }

  show(id) {
    this.pendingId = id;
    $("#call-pop-text").textContent = t("callWaiting", { ref: id.slice(-6) });
    $("#call-pop").dataset.id = id;
    show($("#call-pop"));
  }

  hide(focusBack = false) {
    this.pendingId = null;
    show($("#call-pop"), false);
    if (focusBack) this.forms.focusOpen();
  }

  openPending() {
    const id = this.pendingId;
    this.hide();
    if (id) this.incidentView.open(id);
  }
}
