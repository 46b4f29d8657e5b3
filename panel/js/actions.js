// The open incident's action buttons: which it offers now (claim, verify, reject, acknowledge, close,
// reassign; verify and reject marked while a draft waits behind them), what each opens, and claim
// itself, which goes straight on to the verify form.
import { $, show } from "./dom.js";
import { t, term, onLanguageChange } from "./i18n.js";
import { lostReason } from "./conflicts.js";
import { AMENDABLE, REOPENABLE } from "./amend.js";

const FORMS = ["verify", "reject", "update"];

export class ActionBar {
  constructor({ store, drafts, messages, conflicts, lists, incidentView, forms, dialogs, amend, api, announce }) {
    this.store = store;
    this.drafts = drafts;
    this.messages = messages;
    this.conflicts = conflicts;
    this.lists = lists;
    this.incidentView = incidentView;
    this.forms = forms;
    this.api = api;
    this.announce = announce;
    $("#claim-button").addEventListener("click", () => this.claim());
    $("#verify-button").addEventListener("click", () => forms.open("verify"));
    $("#reject-button").addEventListener("click", () => forms.open("reject"));
    $("#ack-button").addEventListener("click", () => dialogs.openAck());
    $("#close-button").addEventListener("click", () => dialogs.openClose());
    $("#reassign-button").addEventListener("click", () => dialogs.openReassign());
    $("#update-button").addEventListener("click", () => forms.open("update"));
    $("#cancel-incident-button").addEventListener("click", () => amend.openCancel());
    $("#reopen-button").addEventListener("click", () => amend.openReopen());
    $("#detail-dispatches").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-agency]");
      if (button) dialogs.openAck(button.dataset.agency);
    });
    store.on("detail", () => this.render());
    store.on("form", () => this.render());
    drafts.onChange(() => this.render());
    onLanguageChange(() => this.render());
  }

  render() {
    const incident = this.store.incident;
    if (!incident) return;
    const mine = this.store.canReview();
    const pending = (incident.dispatches || []).filter((d) => d.status === "NOTIFIED" && !d.withdrawnAt);
    show($("#claim-button"), incident.status === "RECEIVED");
    show($("#verify-button"), mine);
    show($("#reject-button"), mine);
    show($("#ack-button"), incident.status === "DISPATCHED" && pending.length > 0);
    // Closing while an agency has not confirmed is by hand, with the reason the close dialog asks for.
    show($("#close-button"), incident.status === "ACKNOWLEDGED" || incident.status === "DISPATCHED");
    show($("#reassign-button"), this.store.isSupervisor && incident.status === "IN_REVIEW");
    show($("#update-button"), AMENDABLE.includes(incident.status));
    show($("#cancel-incident-button"), AMENDABLE.includes(incident.status));
    show($("#reopen-button"), this.store.isSupervisor && REOPENABLE.includes(incident.status));
    const draft = this.drafts.get(incident.id) || {};
    for (const which of FORMS) {
      const button = $(`#${which}-button`);
      button.classList.toggle("has-draft", Boolean(draft[which]) && this.store.form !== which);
      button.dataset.draftLabel = t("draftChip");
    }
  }

  async claim() {
    const incident = this.store.incident;
    if (!incident) {
      // Nothing open: the incident selected in the list.
      const id = this.lists.selectedId();
      if (id) await this.incidentView.open(id, { focus: false });
      if (!this.store.incident) return;
      return this.claim();
    }
    this.messages.clearAlert();
    if (incident.status !== "RECEIVED") {
      // The view already knows: say why rather than send a request bound to fail.
      if (incident.status === "IN_REVIEW" && incident.assignedTo === this.store.me) {
        this.messages.setNotice(() => t("alreadyYours"));
        this.announce(t("alreadyYours"));
        this.forms.open(this.drafts.get(incident.id)?.open || this.store.form || "verify");
        return;
      }
      this.messages.setAlert(
        incident.status === "IN_REVIEW"
          ? lostReason(incident, this.store.me, { holder: incident.assignedTo })
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
      this.lists.refreshSoon("RECEIVED", "IN_REVIEW");
      await this.incidentView.refresh();
      // Next comes the verification: its form, focus on its first field (or the draft kept earlier).
      if (this.store.canReview()) this.forms.open(this.drafts.get(incident.id)?.open || "verify");
    } catch (error) {
      await this.conflicts.explain(error);
    }
  }
}
