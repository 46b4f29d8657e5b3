// The search screen (GET /search, docs/stats.md "Search"): past incidents, open or closed, by a range of
// arrival dates in the regency's calendar, the caller's number, kecamatan, category and outcome; newest
// first, a page at a time ("more" follows nextCursor). Operators and supervisors come here with `f` or the
// top bar's button; Esc goes back to the incidents. A row opens its incident in the workspace's usual view
// (a closed one read-only, as that view is); `f` comes back to the same form and results.
// Keys here: Enter in the form searches (Ctrl+Enter too), Esc leaves.
import { $, h, replace, show } from "./dom.js";
import { t, term, onLanguageChange } from "./i18n.js";
import { shortTime, zonedDate, zonedMidnight, addDays } from "./format.js";
import { describeError } from "./errors.js";
import { messageNodes } from "./messages.js";
import { reporter } from "./incident-words.js";
import { resetErrors, fieldError, serverFieldErrors, focusFirstInvalid } from "./form-errors.js";

const CATEGORIES = ["FIRE", "CRIME", "MEDICAL", "TRAFFIC_ACCIDENT", "DISASTER", "RESCUE", "OTHER"];
const OUTCOMES = ["verified", "prank", "silent", "non-emergency", "duplicate", "attached", "cancelled", "abandoned", "unreachable", "open"];
const DEFAULT_DAYS = 7;
const MAX_DAYS = 366; // core/search.py
const PAGE = 25;
// The API's query names → the form's fields (a 422 is shown beside them).
const FIELDS = { from: "from", to: "to", caller: "caller", district: "district", category: "category", outcome: "outcome" };

export class SearchScreen {
  /** `open(id)`: leave the screen and show that incident in the workspace's view. */
  constructor({ api, config, announce, open }) {
    this.api = api;
    this.config = config;
    this.announce = announce;
    this.openIncident = open;
    this.leave = null;
    this.items = [];
    this.cursor = null;
    this.query = null; // what the shown results answer
    this.searched = false;
    this.fillOptions(true);
    this.resetDates();
    $("#search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.search();
    });
    $("#search-more").addEventListener("click", () => this.more());
    $("#search-back").addEventListener("click", () => this.leave?.());
    $("#search-results").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-id]");
      if (button) this.openIncident(button.dataset.id);
    });
    document.addEventListener("keydown", (event) => this.onKey(event));
    onLanguageChange(() => {
      this.fillOptions(false);
      this.render();
    });
  }

  get shown() {
    return !$("#search-view").hidden;
  }

  /** Show the screen (the form and the last results as they were); `leave()` goes back. */
  show(leave) {
    this.leave = leave;
    show($("#search-view"));
    $("#search-from").focus();
  }

  hide() {
    show($("#search-view"), false);
  }

  /** Signed out: nothing found for this operator stays on the page. */
  clear() {
    this.hide();
    $("#search-form").reset();
    resetErrors($("#search-form"));
    this.resetDates();
    this.items = [];
    this.cursor = null;
    this.query = null;
    this.searched = false;
    this.say(null);
    this.render();
  }

  /** The last seven days, today included, in the regency's calendar. */
  resetDates() {
    const today = zonedDate();
    $("#search-from").value = addDays(today, 1 - DEFAULT_DAYS);
    $("#search-to").value = today;
  }

  fillOptions(first) {
    const keep = (select) => select.value;
    const category = $("#search-category");
    const outcome = $("#search-outcome");
    const district = $("#search-district");
    const chosen = [keep(category), keep(outcome), keep(district)];
    replace(category, h("option", { value: "" }, t("searchAny")), CATEGORIES.map((c) => h("option", { value: c }, term("category", c))));
    replace(outcome, h("option", { value: "" }, t("searchAny")), OUTCOMES.map((o) => h("option", { value: o }, term("outcome", o))));
    if (first) replace(district, h("option", { value: "" }, t("searchAny")), (this.config.regency.districts || []).map((d) => h("option", { value: d }, d)));
    else district.options[0].textContent = t("searchAny");
    [category.value, outcome.value, district.value] = chosen;
  }

  /** The form's query, or null when a field is wrong (said beside it). */
  read() {
    const form = $("#search-form");
    resetErrors(form);
    const from = $("#search-from").value;
    const to = $("#search-to").value;
    let ok = true;
    if (!from) ok = !fieldError("search", "from", t("err_searchDate"));
    if (!to) ok = !fieldError("search", "to", t("err_searchDate"));
    if (from && to && to < from) ok = !fieldError("search", "to", t("err_searchOrder"));
    if (from && to && to >= from && to > addDays(from, MAX_DAYS - 1)) ok = !fieldError("search", "to", t("err_searchRange", { days: MAX_DAYS }));
    const caller = $("#search-caller").value.trim();
    if (caller && !/^\+?[0-9][0-9 ().-]{2,31}$/.test(caller)) ok = !fieldError("search", "caller", t("err_searchCaller"));
    if (!ok) {
      focusFirstInvalid(form);
      return null;
    }
    return {
      from: zonedMidnight(from),
      to: zonedMidnight(addDays(to)), // the last day whole: the API's `to` is exclusive
      caller,
      district: $("#search-district").value,
      category: $("#search-category").value,
      outcome: $("#search-outcome").value,
    };
  }

  async search() {
    const query = this.read();
    if (!query) return;
    await this.fetch(query, null);
  }

  async more() {
    if (this.query && this.cursor) await this.fetch(this.query, this.cursor);
  }

  async fetch(query, cursor) {
    const form = $("#search-form");
    this.busy(true);
    try {
      const page = await this.api.search({ ...query, limit: String(PAGE), cursor });
      if (!cursor) {
        this.items = [];
        resetErrors(form);
      }
      const firstNew = this.items.length;
      this.items.push(...page.items);
      this.cursor = page.nextCursor || null;
      this.query = query;
      this.searched = true;
      this.say(null);
      this.render();
      this.announce(t("searchFound", { count: this.items.length }) + (this.cursor ? ` ${t("searchMoreHint")}` : ""));
      if (cursor) $(`#search-results tr:nth-child(${firstNew + 1}) button`)?.focus();
    } catch (error) {
      if (error.status === 422) serverFieldErrors("search", error, FIELDS);
      else this.say(() => ({ ...describeError(error), alert: true }));
    } finally {
      this.busy(false);
    }
  }

  busy(on) {
    $("#search-submit").disabled = on;
    $("#search-more").disabled = on;
    $("#search-form").setAttribute("aria-busy", String(on));
  }

  say(message) {
    this.message = message;
    const el = $("#search-message");
    const value = message ? message() : null;
    replace(el, value ? messageNodes(value) : null);
    el.setAttribute("role", value?.alert ? "alert" : "status");
    el.classList.toggle("alert", Boolean(value?.alert));
  }

  render() {
    if (this.message) this.say(this.message);
    replace($("#search-results"), this.items.map((incident) => this.row(incident)));
    show($("#search-table"), this.items.length > 0);
    show($("#search-more"), Boolean(this.cursor));
    const summary = !this.searched ? "" : this.items.length ? t("searchFound", { count: this.items.length }) : t(this.cursor ? "searchNoneYet" : "searchNone");
    $("#search-summary").textContent = summary;
  }

  row(incident) {
    const number = reporter(incident);
    const outcome = incident.outcome; // decided by the server, as the statistics count it (core/intervals.py)
    return h(
      "tr",
      { dataset: { id: incident.id, outcome } },
      h("td", {}, h("button", { type: "button", class: "link", dataset: { id: incident.id }, title: incident.id }, shortTime(incident.receivedAt))),
      h("td", {}, term("channel", incident.channel)),
      h("td", {}, incident.location?.district || "–"),
      h("td", {}, incident.category ? term("category", incident.category) : "–"),
      h("td", {}, h("span", { class: "badge", dataset: { status: incident.status } }, term("outcome", outcome))),
      h("td", { class: `caller${number ? "" : " unknown"}` }, number || t("callerUnknown")),
    );
  }

  onKey(event) {
    if (!this.shown || event.defaultPrevented) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.closest?.("#search-form")) {
      event.preventDefault();
      $("#search-form").requestSubmit();
      return;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      this.leave?.();
    }
  }
}
