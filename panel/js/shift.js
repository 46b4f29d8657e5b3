// The shift now, for the supervisor's statistics screen: calls waiting and the longest wait, the operators
// and what each holds, and dispatches overdue. Read from the queue's own lists (GET /incidents per status).
import { h, replace } from "./dom.js";
import { t } from "./i18n.js";
import { waited, waitedSeconds } from "./format.js";

const VERIFIED_OVERDUE_S = 120; // verified, and not yet sent to the agencies
const DISPATCHED_OVERDUE_S = 600; // sent, and no agency has confirmed

async function all(api, status) {
  const page = await api.get(`/incidents?status=${status}&limit=100`);
  return page.items || [];
}

export async function renderShift(api, root, now = Date.now()) {
  const [received, review, verified, dispatched] = await Promise.all(
    ["RECEIVED", "IN_REVIEW", "VERIFIED", "DISPATCHED"].map((status) => all(api, status)),
  );
  const oldest = received[0];
  const overdue =
    verified.filter((i) => waitedSeconds(i.verifiedAt || i.updatedAt, now) > VERIFIED_OVERDUE_S).length +
    dispatched.filter((i) => waitedSeconds(i.dispatchedAt || i.updatedAt, now) > DISPATCHED_OVERDUE_S).length;
  const holders = new Map();
  for (const incident of review) {
    const who = incident.assignedTo || "–";
    holders.set(who, [...(holders.get(who) || []), incident]);
  }
  replace(
    root,
    h(
      "dl",
      { class: "tiles" },
      tile("st_waiting", String(received.length), "shift-waiting"),
      tile("st_longestWait", oldest ? waited(oldest.receivedAt, now) : t("st_none"), "shift-longest"),
      tile("st_overdue", String(overdue), "shift-overdue", t("st_overdueHint")),
    ),
    holders.size
      ? h(
          "table",
          { class: "data", id: "shift-operators" },
          h("caption", {}, t("st_operators")),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("st_operator")), h("th", { scope: "col" }, t("st_holds")))),
          h(
            "tbody",
            {},
            ...[...holders.entries()]
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([who, items]) =>
                h("tr", {}, h("th", { scope: "row" }, who), h("td", {}, `${items.length}: ${items.map((i) => i.summary || i.id.slice(-6)).join("; ")}`)),
              ),
          ),
        )
      : h("p", { id: "shift-operators" }, t("st_nobodyHolds")),
  );
}

function tile(key, value, id, hint) {
  return h("div", { class: "tile" }, h("dt", {}, t(key)), h("dd", { id, title: hint || null }, value));
}
