// The open incident's caller history: the number's standing under the prank policy (why, until when, who
// decided) and its recent incidents, each with its time, channel and outcome in words (verified with its
// category, prank, silent, not an emergency, duplicate, hung up, not decided yet); another incident opens
// with its button. Read from GET /callers/{number} when an incident with a known number is opened and
// again when the incident changes (its own outcome joins the history), not at every poll.
import { $, h, replace, show } from "./dom.js";
import { t, term, onLanguageChange } from "./i18n.js";
import { dateTime, shortTime } from "./format.js";
import { ApiError } from "./api.js";
import { problemName } from "./errors.js";

export class CallerHistory {
  /** `open(id)`: another incident of the caller was chosen (the incident's view opens it). */
  constructor({ store, api, open }) {
    this.store = store;
    this.api = api;
    this.open = open;
    this.number = null; // whose history is shown
    this.version = null; // of the open incident when it was read
    this.history = null; // the API's answer
    this.failure = null; // the status of a failed read
    this.request = 0; // the latest read: an older answer arriving late is dropped
    $("#history-list").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-id]");
      if (button) this.open(button.dataset.id);
    });
    store.on("incident", ({ id }) => {
      if (!id) this.clear();
    });
    store.on("detail", ({ incident }) => this.follow(incident));
    onLanguageChange(() => this.render());
  }

  clear() {
    this.number = null;
    this.version = null;
    this.history = null;
    this.failure = null;
    this.request += 1;
    this.render();
  }

  /** Read the history when the open incident's caller or version is not the one shown. */
  follow(incident) {
    const number = incident.caller || null;
    if (number === this.number && incident.version === this.version && (this.history || this.failure === null)) return;
    const changedNumber = number !== this.number;
    this.number = number;
    this.version = incident.version;
    if (changedNumber) {
      this.history = null;
      this.failure = null;
    }
    if (!number) return this.render();
    this.render();
    this.load(number);
  }

  async load(number) {
    const request = ++this.request;
    try {
      const history = await this.api.caller(number);
      if (request !== this.request) return;
      this.history = history;
      this.failure = null;
    } catch (error) {
      if (request !== this.request) return;
      this.failure = error instanceof ApiError ? error.status : 0;
    }
    this.render();
  }

  render() {
    const incident = this.store.incident;
    const block = $("#history-block");
    show(block, Boolean(incident));
    if (!incident) return;
    const status = $("#history-status");
    const list = $("#history-list");
    const standing = $("#history-standing");
    if (!this.number) {
      status.textContent = incident.callerMasked ? t("historyMasked") : t("historyNone");
      replace(standing);
      replace(list);
      block.dataset.standing = "";
      return;
    }
    if (!this.history) {
      status.textContent = this.failure === null ? t("historyLoading") : t("historyFailed", { problem: problemName(this.failure) });
      replace(standing);
      replace(list);
      return;
    }
    const { history, historyDays } = this.history;
    block.dataset.standing = this.history.standing.standing;
    replace(standing, standingNodes(this.history.standing, historyDays));
    const others = history.filter((entry) => entry.id !== incident.id);
    status.textContent = others.length ? t("historyIntro", { caller: this.history.caller, days: historyDays }) : t("historyEmpty");
    replace(list, history.map((entry) => historyRow(entry, entry.id === incident.id)));
  }
}

/** A number's standing in words: what, until when, its pranks in the window, who decided and why. */
export function standingNodes(standing, days) {
  const parts = [];
  if (standing.standing !== "NORMAL") parts.push(standing.until ? t("standingUntil", { time: dateTime(standing.until) }) : t("standingUntilLifted"));
  if (standing.recentPranks) parts.push(t("standingStrikes", { count: standing.recentPranks, days }));
  if (standing.reason && standing.decidedBy) {
    const key = standing.imposed ? "standingImposedBy" : "standingLiftedBy";
    parts.push(t(key, { user: standing.decidedBy, reason: standing.reason }));
  }
  return [
    h("strong", { class: "standing", dataset: { standing: standing.standing } }, t("standingLine", { standing: term("standing", standing.standing) })),
    parts.length ? ` · ${parts.join(" · ")}` : null,
  ];
}

/** One of the caller's incidents: when, how it came, how it ended; a button opens it (not `current`). */
export function historyRow(entry, current) {
  const outcome = entry.outcome === "VERIFIED" && entry.category ? `${term("history", "VERIFIED")} · ${term("category", entry.category)}` : term("history", entry.outcome);
  const ref = `…${entry.id.slice(-6)}`;
  return h(
    "li",
    { dataset: { id: entry.id, outcome: entry.outcome }, class: current ? "current" : null },
    h("time", { datetime: entry.receivedAt }, shortTime(entry.receivedAt)),
    " · ",
    h("span", { class: "channel" }, term("channel", entry.channel)),
    " · ",
    h("span", { class: "outcome", dataset: { outcome: entry.outcome } }, outcome),
    " ",
    current
      ? h("span", { class: "hint" }, `(${t("historyThis")})`)
      : h("button", { type: "button", class: "ghost small", dataset: { id: entry.id }, "aria-label": t("historyOpen", { ref }) }, ref),
  );
}
