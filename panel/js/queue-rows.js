// One row of the lists, a button: how long the citizen has waited (on the dispatched tab: since its
// step), the channel, who reported, and what is known so far (status, category, priority, who holds it,
// a draft, flags, the first words of the report).
import { h } from "./dom.js";
import { t, term } from "./i18n.js";
import { waited } from "./format.js";
import { DISPATCHED_STATUSES } from "./polling.js";
import { flagChip, reporter, snippet } from "./incident-words.js";

// Where a dispatched row's clock starts: the time its status was reached.
const STATUS_SINCE = { VERIFIED: "verifiedAt", DISPATCHED: "dispatchedAt", ACKNOWLEDGED: "acknowledgedAt" };

/** The clock of a row: how long the citizen waits, or for a dispatched row how long since its step. */
function rowClock(incident, tab) {
  const since = tab === "dispatched" ? incident[STATUS_SINCE[incident.status]] || incident.updatedAt : incident.receivedAt;
  const waiting = tab !== "dispatched";
  const label = waiting ? t("waitingLabel") : t("sinceStatus", { status: term("status", incident.status) });
  return [
    h("span", { class: "visually-hidden" }, `${label}:`),
    h("span", { class: `wait${waiting ? "" : " neutral"}`, dataset: { since, waiting: waiting ? "true" : null }, title: label }, waited(since)),
  ];
}

/** Who holds (in review) or verified (dispatched) a row's incident. */
function rowHolder(incident, tab) {
  if (!incident.assignedTo || tab === "mine") return null;
  if (incident.status === "IN_REVIEW") return h("span", { class: "holder" }, t("heldBy", { user: incident.assignedTo }));
  if (DISPATCHED_STATUSES.includes(incident.status)) return h("span", { class: "holder" }, t("verifiedBy", { user: incident.assignedTo }));
  return h("span", { class: "holder" }, t("handledBy", { user: incident.assignedTo }));
}

/** The caller's recent pranks, counted when the call came in: "3× iseng / 30 hari". */
function pranksBadge(incident, days) {
  const count = incident.recentPranks;
  if (!count) return null;
  return h("span", { class: "prank-badge", title: t("pranksBadgeLabel", { count, days }) }, t("pranksBadge", { count, days }));
}

/** A row of `tab`; `selected`, `open` (in the incident's view), `fresh` (just arrived), `draft` and
 * `tabbable` (the one row Tab reaches) say how it stands; `historyDays` what the pranks' count spans. */
export function row(incident, { tab, selected, open, fresh, draft, tabbable, historyDays }) {
  const showStatus = tab !== "queue";
  return h(
    "li",
    {},
    h(
      "button",
      {
        type: "button",
        class: `row${selected ? " selected" : ""}${open ? " open" : ""}${fresh ? " fresh" : ""}`,
        dataset: { id: incident.id, status: incident.status },
        "aria-current": selected ? "true" : null,
        tabindex: tabbable ? "0" : "-1",
      },
      rowClock(incident, tab),
      h("span", { class: "channel" }, term("channel", incident.channel)),
      h("span", { class: `caller${reporter(incident) ? "" : " unknown"}` }, reporter(incident) || t("callerUnknown")),
      showStatus ? h("span", { class: "badge", dataset: { status: incident.status } }, term("status", incident.status)) : null,
      incident.category ? h("span", { class: "category" }, term("category", incident.category)) : null,
      incident.priority ? h("span", { class: `priority ${incident.priority}` }, incident.priority) : null,
      rowHolder(incident, tab),
      draft ? h("span", { class: "draft-chip" }, t("draftChip")) : null,
      pranksBadge(incident, historyDays),
      incident.flags && incident.flags.length ? h("span", { class: "flags" }, incident.flags.map((f) => flagChip(incident, f))) : null,
      incident.report ? h("span", { class: "snippet", title: snippet(incident.report).title }, snippet(incident.report).text) : null,
    ),
  );
}
