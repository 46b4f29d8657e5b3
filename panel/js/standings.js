// Supervisors' tab "Penelepon iseng": the numbers with a standing now (WARNED, DEMOTED), the soonest to
// end first, each with why and until when; a row (Enter, or a click) shows its history; `u` or the button
// lifts the selected number's standing after asking for the reason (audited in the supervisor's name).
// Read when the tab is shown and after a lift: standings change with rejections and decisions, not by
// the second, so the tab adds no poll to the panel's traffic (polling.js).
import { $, $$, h, replace, show } from "./dom.js";
import { t, term, onLanguageChange } from "./i18n.js";
import { dateTime } from "./format.js";
import { ApiError } from "./api.js";
import { describeError, problemName } from "./errors.js";
import { closeDialog, openDialog } from "./dialogs.js";
import { fieldError, focusFirstInvalid, resetErrors, resetForm, serverFieldErrors } from "./form-errors.js";
import { messageNodes } from "./messages.js";
import { historyRow, standingNodes } from "./caller-history.js";

export class Standings {
  /** `open(id)`: an incident of the history was chosen (the incident's view opens it). */
  constructor({ store, api, announce, open }) {
    this.store = store;
    this.api = api;
    this.announce = announce;
    this.open = open;
    this.active = false;
    this.rows = []; // the API's items
    this.more = false;
    this.failure = null;
    this.selected = null; // a caller's number
    this.history = null; // the selected number's history
    this.request = 0;
    $("#standings-list").addEventListener("click", (event) => {
      const button = event.target.closest("button.standing-row");
      if (button) this.select(button.dataset.caller, false);
    });
    $("#standings-history").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-id]");
      if (button) this.open(button.dataset.id);
    });
    $("#standings-lift").addEventListener("click", () => this.liftSelected());
    $("#lift-form").addEventListener("submit", (event) => this.submitLift(event));
    store.on("tab", ({ tab }) => (tab === "standings" ? this.showTab() : (this.active = false)));
    onLanguageChange(() => this.render());
  }

  showTab() {
    this.active = true;
    this.refresh();
  }

  /** Signed out: nothing of the list stays on the page. */
  stop() {
    this.active = false;
    this.rows = [];
    this.selected = null;
    this.history = null;
    this.request += 1;
    this.render();
  }

  async refresh() {
    try {
      const page = await this.api.standings();
      this.rows = page.items || [];
      this.more = Boolean(page.nextCursor);
      this.failure = null;
    } catch (error) {
      this.failure = error instanceof ApiError ? error.status : 0;
    }
    if (this.selected && !this.rows.some((r) => r.caller === this.selected)) {
      this.selected = null;
      this.history = null;
    }
    this.render();
    if (this.selected) this.loadHistory(this.selected);
  }

  render() {
    const status = $("#standings-status");
    if (this.failure !== null) status.textContent = t("standingsFailed", { problem: problemName(this.failure) });
    else status.textContent = this.rows.length ? (this.more ? t("standingsMore") : "") : t("standingsEmpty");
    const focused = document.activeElement?.closest?.("#standings-list button.standing-row")?.dataset.caller;
    const tabbable = this.rows.some((r) => r.caller === this.selected) ? this.selected : this.rows[0]?.caller;
    replace(
      $("#standings-list"),
      this.rows.map((row) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: `row standing-row${row.caller === this.selected ? " selected" : ""}`,
              dataset: { caller: row.caller, standing: row.standing },
              "aria-current": row.caller === this.selected ? "true" : null,
              tabindex: row.caller === tabbable ? "0" : "-1",
            },
            h("span", { class: "caller" }, row.caller),
            h("span", { class: "standing", dataset: { standing: row.standing } }, term("standing", row.standing)),
            h("span", { class: "holder" }, row.until ? t("standingUntil", { time: dateTime(row.until) }) : t("standingUntilLifted")),
            row.recentPranks ? h("span", { class: "prank-badge" }, t("standingStrikes", { count: row.recentPranks, days: this.historyDays() })) : null,
            row.reason ? h("span", { class: "snippet" }, row.reason) : null,
          ),
        ),
      ),
    );
    if (focused) this.rowFor(focused)?.focus();
    this.renderDetail();
  }

  historyDays() {
    return this.history?.historyDays ?? this.store.historyDays ?? 30;
  }

  renderDetail() {
    const detail = $("#standings-detail");
    show(detail, Boolean(this.selected));
    if (!this.selected) return;
    $("#standings-detail-heading").textContent = this.selected;
    if (!this.history || this.history.caller !== this.selected) {
      replace($("#standings-detail-standing"), t("historyLoading"));
      replace($("#standings-history"));
      return;
    }
    replace($("#standings-detail-standing"), standingNodes(this.history.standing, this.history.historyDays));
    replace($("#standings-history"), this.history.history.map((entry) => historyRow(entry, false)));
  }

  rowFor(caller) {
    return caller ? $(`#standings-list button.standing-row[data-caller="${CSS.escape(caller)}"]`) : null;
  }

  select(caller, focus) {
    if (!this.rows.some((r) => r.caller === caller)) return;
    this.selected = caller;
    for (const el of $$("#standings-list button.standing-row")) {
      const on = el.dataset.caller === caller;
      el.classList.toggle("selected", on);
      el.tabIndex = on ? 0 : -1;
      if (on) el.setAttribute("aria-current", "true");
      else el.removeAttribute("aria-current");
      if (on && focus) el.focus();
    }
    this.renderDetail();
    this.loadHistory(caller);
  }

  move(step) {
    if (!this.rows.length) return;
    const index = this.rows.findIndex((r) => r.caller === this.selected);
    let next;
    if (step === Infinity) next = this.rows.length - 1;
    else if (step === -Infinity) next = 0;
    else next = index < 0 ? 0 : Math.min(this.rows.length - 1, Math.max(0, index + step));
    this.select(this.rows[next].caller, true);
  }

  async loadHistory(caller) {
    const request = ++this.request;
    try {
      const history = await this.api.caller(caller);
      if (request !== this.request) return;
      this.history = history;
    } catch (error) {
      if (request !== this.request) return;
      this.history = null;
      replace($("#standings-detail-standing"), messageNodes(describeError(error)));
      return;
    }
    this.renderDetail();
  }

  /** `u`: the lift dialog for the selected number (the first row when none is selected yet). */
  liftSelected() {
    if (!this.active || !this.store.isSupervisor) return;
    const caller = this.selected || this.rows[0]?.caller;
    if (!caller) return;
    if (caller !== this.selected) this.select(caller, false);
    const form = $("#lift-form");
    if (form.dataset.caller !== caller) resetForm(form);
    else resetErrors(form);
    form.dataset.caller = caller;
    $("#lift-intro").textContent = t("liftIntro", { caller });
    openDialog($("#lift-dialog"), { focus: "#lift-reason" });
  }

  async submitLift(event) {
    event.preventDefault();
    const form = $("#lift-form");
    resetErrors(form);
    const reason = $("#lift-reason").value.trim();
    if (reason.length < 3 || reason.length > 500) {
      fieldError("lift", "reason", t("err_liftReason"));
      return focusFirstInvalid(form);
    }
    const caller = form.dataset.caller;
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    button.disabled = true;
    try {
      await this.api.setStanding(caller, "NORMAL", reason);
      delete form.dataset.caller;
      closeDialog($("#lift-dialog"));
      this.announce(t("lifted", { caller }));
      await this.refresh();
      $(`#tab-standings`).focus();
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) serverFieldErrors("lift", error, { reason: "reason" });
      else replace($("#lift-error"), messageNodes(describeError(error)));
    } finally {
      button.disabled = false;
    }
  }
}
