// The lists' pane: the tabs (incoming, mine, dispatched, all in review for supervisors), their rows with
// one always reachable by Tab (roving tabindex), the selection the keys move, the supervisors' filter of
// who holds what, the counts and the page's title, and the announcement of a new incident. The data
// comes from the polls (list-polls.js); the list re-renders when it, the open incident, a draft or the
// language changes, and only then (its signature says so) so that focus and scrolling stay put. The
// callback desk's tab is one of them, but its list is the desk's own (callbacks.js, `desk`): the store's
// "tab" event says which tab is shown, and the keys that move in a list reach the desk there.
import { $, $$, h, replace, show } from "./dom.js";
import { t, term, lang, onLanguageChange } from "./i18n.js";
import { waited, waitedSeconds } from "./format.js";
import { DISPATCHED_STATUSES, OPEN_STATUSES } from "./polling.js";
import { reporter } from "./incident-words.js";
import { ListPolls } from "./list-polls.js";
import { row } from "./queue-rows.js";

const LONG_WAIT_S = 60; // a row waiting longer than this is marked
const FRESH_MS = 8000; // how long a new incident's row stays highlighted
const EMPTY = { queue: "emptyQueue", mine: "emptyMine", dispatched: "emptyDispatched", review: "emptyReview" };

export class QueueView {
  /** `open(id)`: a row was chosen (the incident's view opens it). */
  constructor({ store, drafts, api, announce, open }) {
    this.store = store;
    this.drafts = drafts;
    this.announce = announce;
    this.open = open;
    this.polls = new ListPolls({ api, tabShown: () => this.tab, answered: (status, entry) => this.answered(status, entry) });
    this.tab = "queue";
    this.selected = {}; // tab -> incident id
    this.tabbableId = null;
    this.seen = null; // ids of RECEIVED incidents already announced
    this.fresh = new Set(); // ids of incidents that just arrived
    this.reviewFilter = ""; // supervisors: the operator whose incidents "all in review" shows
    this.signature = "";
    this.clockTimer = null;
    this.desk = null; // the callback desk (callbacks.js), set by the workspace
    for (const tab of $$("[role=tab]")) tab.addEventListener("click", () => this.setTab(tab.dataset.tab, true));
    $("#queue-list").addEventListener("click", (event) => {
      const button = event.target.closest("button.row");
      if (button) {
        this.select(button.dataset.id, false);
        this.open(button.dataset.id);
      }
    });
    $("#review-operator").addEventListener("change", () => {
      this.reviewFilter = $("#review-operator").value;
      this.render();
    });
    store.on("incident", () => this.render());
    drafts.onChange(() => this.render());
    onLanguageChange(() => this.render());
  }

  start() {
    this.setTab("queue", false);
    show($("#tab-review"), this.store.isSupervisor);
    this.polls.start();
    this.clockTimer = setInterval(() => this.tickClocks(), 1000);
  }

  stop() {
    clearInterval(this.clockTimer);
    this.polls.stop();
    this.seen = null;
    this.reviewFilter = "";
    replace($("#queue-list"));
    delete $("#queue-panel").dataset.loaded;
    this.signature = "";
    document.title = t("appName");
  }

  /** Poll these lists at the next tick: an action changed them. */
  refreshSoon(...statuses) {
    this.polls.refreshSoon(...statuses);
  }

  answered(status, entry) {
    if (status === "RECEIVED") {
      this.noticeNew(entry.items);
      $("#queue-panel").dataset.loaded = "true"; // from now on, a new incident is announced
    }
    this.render();
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
      for (const i of fresh) this.fresh.add(i.id);
      setTimeout(() => {
        for (const i of fresh) this.fresh.delete(i.id);
        this.render();
      }, FRESH_MS);
      this.announce(
        t("newIncidentAnnounce", {
          channel: term("channel", newest.channel),
          caller: reporter(newest) || t("callerUnknown"),
          count: items.length,
        }),
      );
    }
  }

  items(tab, filtered = false) {
    const of = (status) => this.polls.items(status);
    switch (tab) {
      case "queue":
        return of("RECEIVED");
      case "mine":
        return of("IN_REVIEW").filter((i) => i.assignedTo === this.store.me);
      case "review":
        return filtered && this.reviewFilter ? of("IN_REVIEW").filter((i) => i.assignedTo === this.reviewFilter) : of("IN_REVIEW");
      case "dispatched":
        return DISPATCHED_STATUSES.flatMap(of).sort((a, b) => (a.id < b.id ? -1 : 1));
      default:
        return [];
    }
  }

  /** Every open incident the lists hold (the reject form's choice of an original). */
  openItems() {
    return OPEN_STATUSES.flatMap((status) => this.polls.items(status));
  }

  /** The incidents the lists hold that await a call back (the callback desk's tab count). */
  awaitingCallbacks() {
    return ["RECEIVED", "IN_REVIEW"]
      .flatMap((status) => this.polls.items(status))
      .filter((i) => i.callback && !i.callback.doneAt);
  }

  setTab(tab, focus) {
    if (tab === "review" && !this.store.isSupervisor) return;
    const changed = tab !== this.tab;
    this.tab = tab;
    for (const el of $$("[role=tab]")) {
      const active = el.dataset.tab === tab;
      el.setAttribute("aria-selected", String(active));
      el.tabIndex = active ? 0 : -1;
    }
    $("#queue-panel").setAttribute("aria-labelledby", `tab-${tab}`);
    this.refreshSoon(...(tab === "dispatched" ? DISPATCHED_STATUSES : tab === "queue" ? [] : ["IN_REVIEW"]));
    if (changed || tab === "callbacks") this.store.emit("tab", { tab });
    this.render();
    if (focus) $(`#tab-${tab}`).focus();
  }

  /** Supervisors' filter of "all in review": everyone who holds an incident now, and the one chosen. */
  renderReviewFilter() {
    const box = $("#review-filter");
    const on = this.tab === "review" && this.store.isSupervisor;
    show(box, on);
    if (!on) return;
    const holders = [...new Set(this.items("review").map((i) => i.assignedTo).filter(Boolean))];
    if (this.reviewFilter && !holders.includes(this.reviewFilter)) holders.push(this.reviewFilter);
    holders.sort();
    const select = $("#review-operator");
    const signature = JSON.stringify([lang(), holders]);
    if (select.dataset.signature !== signature) {
      select.dataset.signature = signature;
      replace(select, h("option", { value: "" }, t("allOperators")), holders.map((u) => h("option", { value: u }, u)));
    }
    select.value = this.reviewFilter;
  }

  render() {
    const items = this.items(this.tab, true);
    const counts = {
      queue: this.items("queue").length,
      mine: this.items("mine").length,
      dispatched: this.items("dispatched").length,
      review: this.items("review").length,
    };
    for (const [tab, count] of Object.entries(counts)) $(`#count-${tab}`).textContent = count ? String(count) : "";
    document.title = counts.queue ? t("queueTitleCount", { count: counts.queue }) : t("appName");
    show($("#queue-more"), this.tab === "queue" && this.polls.more("RECEIVED"));
    this.renderReviewFilter();
    if (this.tab === "callbacks") {
      this.signature = ""; // the desk renders its own list; this one is drawn again when its tab returns
      return;
    }
    const openId = this.store.openId;
    const signature = JSON.stringify([
      this.tab, lang(), this.selected[this.tab], openId, this.reviewFilter, this.drafts.ids(), [...this.fresh].sort(), items.map((i) => [i.id, i.version]),
    ]);
    if (signature === this.signature) return;
    this.signature = signature;
    const focusedId = document.activeElement?.closest?.("#queue-list button.row")?.dataset.id;
    // One row is always reachable with Tab: the selected one, else the first (roving tabindex).
    const selected = this.selected[this.tab];
    this.tabbableId = items.some((i) => i.id === selected) ? selected : items[0]?.id;
    replace(
      $("#queue-list"),
      items.map((incident) =>
        row(incident, {
          tab: this.tab,
          selected: selected === incident.id,
          open: openId === incident.id,
          fresh: this.fresh.has(incident.id),
          draft: this.drafts.has(incident.id),
          tabbable: incident.id === this.tabbableId,
        }),
      ),
    );
    let empty = EMPTY[this.tab];
    if (this.tab === "review" && this.reviewFilter && counts.review) empty = "emptyReviewFiltered";
    $("#queue-empty").textContent = items.length ? "" : t(empty, { user: this.reviewFilter });
    show($("#queue-empty"), !items.length);
    if (focusedId) {
      const again = this.rowFor(focusedId) || this.rowFor(this.tabbableId);
      if (again) again.focus();
    }
    this.tickClocks();
  }

  rowFor(id) {
    return id ? $(`#queue-list button.row[data-id="${CSS.escape(id)}"]`) : null;
  }

  tickClocks() {
    const now = Date.now();
    for (const el of $$("#queue-list .wait")) {
      el.textContent = waited(el.dataset.since, now);
      el.classList.toggle("long", el.dataset.waiting === "true" && waitedSeconds(el.dataset.since, now) >= LONG_WAIT_S);
    }
  }

  /** The incident selected on the tab shown (what Enter and c act on), or undefined. */
  selectedId() {
    if (this.tab === "callbacks" && this.desk) return this.desk.selectedId() ?? undefined;
    return this.selected[this.tab];
  }

  /** Focus back on the list: the selected row, else the one Tab reaches, else the tab itself. */
  focusSelected() {
    if (this.tab === "callbacks" && this.desk) return this.desk.focusSelected();
    (this.rowFor(this.selected[this.tab]) || this.rowFor(this.tabbableId) || $(`#tab-${this.tab}`)).focus();
  }

  select(id, focus) {
    const rows = $$("#queue-list button.row");
    if (!rows.some((el) => el.dataset.id === id)) return;
    this.selected[this.tab] = id;
    this.tabbableId = id;
    for (const el of rows) {
      const on = el.dataset.id === id;
      el.classList.toggle("selected", on);
      el.tabIndex = on ? 0 : -1;
      if (on) el.setAttribute("aria-current", "true");
      else el.removeAttribute("aria-current");
      if (on && focus) {
        el.focus();
        el.scrollIntoView({ block: "nearest" });
      }
    }
  }

  move(step) {
    if (this.tab === "callbacks" && this.desk) return this.desk.move(step);
    const rows = $$("#queue-list button.row");
    if (!rows.length) return;
    const index = rows.findIndex((r) => r.dataset.id === this.selected[this.tab]);
    let next;
    if (step === Infinity) next = rows.length - 1;
    else if (step === -Infinity) next = 0;
    else next = index < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, index + step));
    this.select(rows[next].dataset.id, true);
  }

  /** The most recently received incident of the list shown. */
  jumpToNewest() {
    if (this.tab === "callbacks" && this.desk) return this.desk.jumpToNewest();
    const items = this.items(this.tab, true);
    if (!items.length) return;
    const newest = items.reduce((a, b) => (Date.parse(b.receivedAt) >= Date.parse(a.receivedAt) ? b : a));
    this.select(newest.id, true);
  }
}
