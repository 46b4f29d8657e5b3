// The open incident's timeline, its audit trail: when, what, who (a system step named as such), the
// status it moved from and to, and each step's details in words (what was decided, not the API's field
// names); details the panel does not know yet are shown raw, quietly. The conversation with the citizen is
// in it, in order: each message in (the first report, each follow-up) and out (what an operator wrote,
// then whether it was sent) with its words, marked IN ← or OUT → in words, not by colour alone.
import { $, h, replace } from "./dom.js";
import { t, term } from "./i18n.js";
import { dateTime } from "./format.js";
import { actorName, agencyName, agencyNames } from "./incident-words.js";

/** A timeline entry's details in words; `agencies`: the directory's types and `postName`, for names. */
function details(entry, agencies, postName, incident) {
  const d = { ...(entry.details || {}) };
  const out = [];
  const take = (key) => {
    const value = d[key];
    delete d[key];
    return value === undefined || value === "" ? null : value;
  };
  let said = null; // {way: "in" | "out", text}: a message of the conversation
  switch (entry.action) {
    case "REGISTER": {
      const channel = take("channel");
      if (channel) out.push(t("tl_channel", { channel: term("channel", channel) }));
      if (entry.reason) out.push(term("registerReason", entry.reason));
      if (SOCIAL.includes(channel) && incident.report) said = { way: "in", text: incident.report };
      break;
    }
    case "LOCATE": {
      const [lat, lon, acc, method, transport] = ["lat", "lon", "accuracyM", "method", "transport"].map(take);
      if (lat && lon) {
        out.push(t("locateDetails", { point: `${lat}, ${lon}`, acc: acc || "?", method: term("method", method || "UNKNOWN"), transport: term("transport", transport || "?") }));
      }
      const district = take("district");
      if (district) out.push(t("tl_districtFromAml", { district }));
      break;
    }
    case "REASSIGN": {
      const from = take("from");
      const to = take("to");
      out.push(from ? t("tl_reassign", { from, to: to || "?" }) : t("tl_assign", { to: to || "?" }));
      break;
    }
    case "VERIFY": {
      const grade = take("grade");
      const category = take("category");
      const priority = take("priority");
      const codes = take("agencies");
      const posts = take("posts");
      const parts = [grade ? t("tl_grade", { grade }) : null, category ? term("category", category) : null, priority ? term("priority", priority) : null];
      out.push(parts.filter(Boolean).join(" · "));
      if (codes) out.push(t("tl_agencies", { agencies: agencyNames(agencies, codes) }));
      if (posts) out.push(t("tl_posts", { posts: posts.split(",").map(postName).join(", ") }));
      break;
    }
    case "REJECT": {
      if (entry.reason) out.push(term("reason", entry.reason));
      const duplicateOf = take("duplicateOf");
      if (duplicateOf) out.push(t("duplicateOfLabel", { id: duplicateOf }));
      const note = take("note");
      if (note) out.push(t("tl_note", { note }));
      break;
    }
    case "DISPATCH": {
      const codes = take("agencies");
      if (codes) out.push(t("tl_agencies", { agencies: agencyNames(agencies, codes) }));
      break;
    }
    case "AGENCY_ACKNOWLEDGE":
    case "ACKNOWLEDGE": {
      const agency = take("agency");
      const pending = take("pending");
      if (agency) out.push(t("tl_agency", { agency: agencyName(agencies, agency) }));
      if (pending) out.push(t("tl_pending", { agencies: agencyNames(agencies, pending) }));
      if (entry.reason) out.push(t("tl_note", { note: entry.reason }));
      break;
    }
    case "FLAG": {
      const flag = take("flag");
      if (flag) out.push(term("flag", flag));
      break;
    }
    case "CLOSE":
      if (entry.reason) out.push(t("tl_outcome", { note: entry.reason }));
      break;
    case "STANDING": {
      const standing = take("standing");
      if (standing) out.push(t("tl_standing", { standing: term("standing", standing) }));
      if (entry.reason) out.push(t("tl_reason", { reason: entry.reason }));
      break;
    }
    case "ABANDON": {
      const wait = take("queueWaitSeconds");
      if (wait) out.push(t("tl_queueWait", { s: wait }));
      break;
    }
    case "MARK_SILENT": {
      const toDesk = take("callback");
      if (toDesk) out.push(toDesk === "true" ? t("tl_toDesk") : t("tl_notToDesk"));
      const note = take("note");
      if (note) out.push(t("tl_note", { note }));
      break;
    }
    case "CALLBACK":
    case "CALLBACK_REACHED": {
      const [outcome, n, failed, from, note] = ["outcome", "attempt", "failed", "from", "note"].map(take);
      if (outcome) out.push(t("tl_attempt", { outcome: term("outcome", outcome), n: n || "?", failed: failed || "0" }));
      if (from) out.push(t("tl_takenFrom", { from }));
      if (note) out.push(t("tl_note", { note }));
      break;
    }
    case "CLOSE_UNREACHABLE": {
      const failed = take("failed");
      if (failed) out.push(t("tl_failedCallbacks", { failed }));
      const note = take("note");
      if (note) out.push(t("tl_note", { note }));
      break;
    }
    case "ATTACH":
    case "DETACH": {
      const parent = take("parentId");
      if (parent) out.push(t("tl_parent", { ref: parent.slice(-6) }));
      take("from");
      if (entry.reason) out.push(t("tl_reason", { reason: entry.reason }));
      break;
    }
    case "REPORT_ADDED":
    case "REPORT_REMOVED": {
      const [child, channel, kept] = ["childId", "channel", "kept"].map(take);
      if (child) out.push(t("tl_child", { ref: child.slice(-6), channel: term("channel", channel || "OTHER") }));
      if (kept === "false") out.push(t("tl_notKept"));
      if (entry.reason) out.push(t("tl_reason", { reason: entry.reason }));
      break;
    }
    case "NOTE": {
      const note = take("note");
      if (note) out.push(note);
      break;
    }
    case "MAJOR_INCIDENT":
    case "MAJOR_INCIDENT_END": {
      take("majorIncidentId");
      const area = take("area");
      const message = take("message");
      if (area) out.push(area);
      if (message && entry.action === "MAJOR_INCIDENT") out.push(t("tl_majorMessage", { message }));
      if (entry.reason) out.push(t("tl_reason", { reason: entry.reason }));
      break;
    }
    case "MESSAGE": {
      const channel = take("channel");
      const id = take("messageId");
      if (channel) out.push(t("tl_message", { channel: term("channel", channel) }));
      const report = (incident.reports || []).find((r) => id && r.messageId === id);
      if (report?.text) said = { way: "in", text: report.text };
      break;
    }
    case "MESSAGE_SENT": {
      const channel = take("channel");
      const message = outbound(incident, take("messageId"));
      if (channel) out.push(t("tl_message", { channel: term("channel", channel) }));
      if (message) {
        said = { way: "out", text: message.text };
        out.push(t("tl_outState", { state: term("outbound", message.state) }));
      }
      break;
    }
    case "MESSAGE_OUTCOME": {
      const [state, problem] = ["state", "problem"].map(take);
      take("messageId");
      if (state) out.push(term("outbound", state));
      if (problem) out.push(t("tl_outcomeProblem", { problem }));
      break;
    }
    case "UPDATE": {
      // Each field changed, from → to (amend.js); the agencies by name, the posts by theirs.
      const names = { agencies: (codes) => agencyNames(agencies, codes), posts: (ids) => ids.split(",").filter(Boolean).map(postName).join(", ") };
      const changed = (take("changed") || "").split(",").filter(Boolean);
      for (const name of [...changed, ...("posts.to" in d ? ["posts"] : [])]) {
        const [from, to] = [take(`${name}.from`), take(`${name}.to`)].map((v) => (v && names[name] ? names[name](v) : v));
        out.push(t("tl_changed", { field: t(`field_${name}`), from: from || "–", to: to || "–" }));
      }
      const [added, withdrawn] = [take("added"), take("withdrawn")];
      if (added) out.push(t("tl_added", { agencies: agencyNames(agencies, added) }));
      if (withdrawn) out.push(t("tl_withdrawn", { agencies: agencyNames(agencies, withdrawn) }));
      break;
    }
    case "CANCEL":
      if (entry.reason) out.push(t("tl_reason", { reason: entry.reason }));
      break;
    case "REOPEN": {
      const [from, rejection, cancellation] = ["from", "rejection", "cancellation"].map(take);
      if (rejection) out.push(t("tl_undone", { what: term("reason", rejection) }));
      if (cancellation) out.push(t("tl_undoneCancel", { reason: cancellation }));
      if (from) out.push(t("tl_takenFrom", { from }));
      if (entry.reason) out.push(t("tl_reason", { reason: entry.reason }));
      break;
    }
    default:
      if (entry.reason) out.push(entry.reason);
  }
  // Anything the panel does not know yet: shown raw, quietly.
  const rest = Object.entries(d).filter(([, v]) => v !== "");
  return { parts: out.filter(Boolean), rest, said };
}

const SOCIAL = ["INSTAGRAM", "TWITTER"];

function outbound(incident, id) {
  return (incident.outbound || []).find((m) => id && m.messageId === id) || null;
}

export function renderTimeline(incident, agencies, postName = (id) => id) {
  replace(
    $("#detail-timeline"),
    incident.timeline.map((entry) => {
      const { parts, rest, said } = details(entry, agencies, postName, incident);
      const moved = entry.fromStatus !== entry.toStatus;
      return h(
        "li",
        { dataset: { action: entry.action, to: entry.toStatus } },
        h("time", { datetime: entry.at }, dateTime(entry.at)),
        " ",
        h("strong", {}, term("action", entry.action)),
        " · ",
        h("span", { class: "actor", title: entry.actor, dataset: { actor: entry.actor } }, actorName(entry.actor)),
        moved ? " · " : null,
        moved ? h("span", { class: "move" }, `${entry.fromStatus ? term("status", entry.fromStatus) : "–"} → ${term("status", entry.toStatus)}`) : null,
        parts.length ? h("span", { class: "details" }, parts.join(" · ")) : null,
        rest.length ? h("span", { class: "details raw" }, rest.map(([k, v]) => `${k}: ${v}`).join(" · ")) : null,
        said
          ? h("p", { class: `said said-${said.way}`, dataset: { way: said.way } }, h("strong", {}, t(said.way === "in" ? "tl_in" : "tl_out")), " ", h("span", { class: "said-text" }, said.text))
          : null,
      );
    }),
  );
}
