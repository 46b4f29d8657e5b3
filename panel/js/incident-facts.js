// The open incident's regions, each rendered from the API's answer: the notes to read first (flags),
// the facts, the call as Amazon Connect told it (its times, who answered, its intervals, the call backs),
// the citizen's words, the dispatches to agencies, the location in words and the handset's AML fix.
// Pure renderers: the view (incident.js) calls them when the incident or the language changes.
import { $, h, replace, show } from "./dom.js";
import { t, term, lang } from "./i18n.js";
import { dateTime, coord, shortTime } from "./format.js";
import { DISPATCHED_STATUSES } from "./polling.js";
import { agencyName, flagChip, reporter } from "./incident-words.js";

export function renderFacts(incident) {
  const facts = [
    [incident.channel === "VOICE" ? "caller" : "reporter", reporter(incident) || t("callerUnknown")],
    ["channel", term("channel", incident.channel)],
    ["receivedAt", dateTime(incident.receivedAt)],
    ["status", term("status", incident.status)],
    [DISPATCHED_STATUSES.includes(incident.status) || incident.status === "CLOSED" ? "verifiedByLabel" : "assignedTo", incident.assignedTo || t("nobody")],
  ];
  if (incident.category) facts.push(["category", term("category", incident.category)]);
  if (incident.priority) facts.push(["priority", term("priority", incident.priority)]);
  if (incident.summary) facts.push(["summary", incident.summary]);
  if (incident.rejection) {
    const r = incident.rejection;
    const parts = [term("reason", r.reason)];
    if (r.duplicateOf) parts.push(t("duplicateOfLabel", { id: r.duplicateOf }));
    if (r.note) parts.push(r.note);
    facts.push(["rejection", parts.join(" — ")]);
  }
  if (incident.cancellation) {
    const c = incident.cancellation;
    facts.push(["cancellation", t("cancelledBy", { reason: c.reason, user: c.by, time: dateTime(c.at) })]);
  }
  const flags = (incident.flags || []).map((f) => flagChip(incident, f));
  replace(
    $("#detail-facts"),
    facts.map(([key, value]) => [h("dt", {}, t(key)), h("dd", { dataset: { fact: key === "verifiedByLabel" ? "assignedTo" : key } }, value)]),
    flags.length ? [h("dt", {}, t("flags")), h("dd", { class: "flags" }, flags)] : null,
  );
}

/** What an operator must know before reading on: a report nobody could parse, a question asked. */
export function renderFlags(incident) {
  const flags = incident.flags || [];
  const source = incident.source || {};
  const notes = [];
  if (flags.includes("UNPARSED")) {
    notes.push(
      h(
        "div",
        { class: "flag-note", dataset: { flag: "UNPARSED" }, role: "note" },
        h("h3", {}, t("unparsedTitle")),
        h("p", {}, t("unparsedText")),
        source.rawKey ? h("p", {}, `${t("rawKeyLabel")}: `, h("code", { class: "raw-key" }, source.rawKey)) : null,
        source.problem ? h("p", {}, `${t("problemLabel")}: `, h("span", { class: "problem", lang: "en" }, source.problem)) : null,
      ),
    );
  }
  if (flags.includes("CANNOT_SPEAK")) {
    notes.push(
      h(
        "div",
        { class: "flag-note", dataset: { flag: "CANNOT_SPEAK" }, role: "note" },
        h("h3", {}, t("cannotSpeakTitle")),
        h("p", {}, t("cannotSpeakText")),
      ),
    );
  }
  if (flags.includes("ABANDONED")) {
    const wait = incident.callback?.queueWaitSeconds;
    const text = t("abandonedText", { wait: wait != null ? t("abandonedWait", { s: wait }) : "" });
    notes.push(h("div", { class: "flag-note", dataset: { flag: "ABANDONED" }, role: "note" }, h("p", {}, text)));
  }
  if (flags.includes("SILENT")) {
    notes.push(h("div", { class: "flag-note", dataset: { flag: "SILENT" }, role: "note" }, h("p", {}, t("silentText"))));
  }
  if (flags.includes("LOCATION_ASKED")) {
    notes.push(
      h(
        "div",
        { class: "flag-note", dataset: { flag: "LOCATION_ASKED" }, role: "note" },
        h("p", {}, t("locationAskedText", { channel: term("channel", incident.channel), ref: incident.id.slice(-6) })),
      ),
    );
  }
  replace($("#detail-flags"), notes);
}

export function renderReport(incident) {
  const none = incident.channel === "VOICE" ? "noReport" : "noReportText";
  replace($("#detail-report"), incident.report ? h("pre", { class: "report" }, incident.report) : h("p", { class: "hint" }, t(none)));
}

/** `agencies`: the directory's types, for their names; `postName`: a post's name by id. A pending agency
 * gets its acknowledge button. */
export function renderDispatches(incident, agencies, postName = (id) => id) {
  const dispatches = incident.dispatches || [];
  // Before verification there is nothing to dispatch: the block would only take room from the form.
  show($("#dispatches-block"), dispatches.length > 0 || DISPATCHED_STATUSES.includes(incident.status));
  if (!dispatches.length) {
    replace($("#detail-dispatches"), h("li", { class: "hint" }, t("noDispatches")));
    return;
  }
  const name = (code) => agencyName(agencies, code);
  replace(
    $("#detail-dispatches"),
    dispatches.map((d) =>
      h(
        "li",
        { dataset: { agency: d.agency, status: d.status, ...(d.withdrawnAt ? { withdrawn: "true" } : {}) } },
        h("strong", {}, name(d.agency)),
        d.posts?.length ? h("span", { class: "posts" }, `: ${d.posts.map(postName).join(", ")}`) : null,
        " ",
        d.withdrawnAt
          ? h("span", { class: "badge", dataset: { status: "WITHDRAWN" } }, t("dispatchWithdrawn", { time: dateTime(d.withdrawnAt) }))
          : h("span", { class: "badge", dataset: { status: d.status } }, term("dispatch", d.status)),
        h("span", { class: "when" }, t("notifiedAt", { time: dateTime(d.notifiedAt) })),
        d.acknowledgedAt ? h("span", { class: "when" }, t("acknowledgedAtBy", { time: dateTime(d.acknowledgedAt), user: d.acknowledgedBy || "?" })) : null,
        // what the posts reported since, from their page or their system (live: the detail is polled)
        ...[["EN_ROUTE", d.enRouteAt], ["ON_SCENE", d.onSceneAt], ["CLEARED", d.clearedAt]]
          .filter(([, at]) => at)
          .map(([step, at]) => h("span", { class: "when", dataset: { step } }, t("dispatchStepAt", { step: term("dispatch", step), time: dateTime(at) }))),
        d.note ? h("span", { class: "note" }, d.note) : null,
        d.status === "NOTIFIED" && !d.withdrawnAt && incident.status === "DISPATCHED"
          ? h("button", { type: "button", class: "small", dataset: { agency: d.agency } }, t("acknowledgeAgency", { agency: name(d.agency) }))
          : null,
      ),
    ),
  );
}

export function renderLocation(incident) {
  const parts = [];
  const loc = incident.location;
  if (loc) {
    if (loc.district) parts.push(`${t("district")}: ${loc.district}`);
    if (loc.address) parts.push(loc.address);
    if (loc.lat != null) parts.push(`${coord(loc.lat)}, ${coord(loc.lon)}`);
    else if (loc.district || loc.address) parts.push(t("noPointYet"));
  }
  if (incident.aml) {
    const a = incident.aml;
    parts.push(t("amlPosition", { lat: coord(a.lat), lon: coord(a.lon), acc: a.accuracyM != null ? Math.round(a.accuracyM) : "?" }));
  }
  $("#detail-location").textContent = parts.length ? parts.join(" · ") : t("noLocation");
}

/** The handset's own position (Advanced Mobile Location): how it was found, how good, when, how sent. */
export function renderAml(incident) {
  const a = incident.aml;
  show($("#aml-block"), Boolean(a));
  show($("#map-legend"), Boolean(a));
  if (!a) {
    replace($("#detail-aml"));
    return;
  }
  const facts = [
    ["amlAccuracy", a.accuracyM != null ? t("amlAccuracyValue", { m: Math.round(a.accuracyM) }) : "?"],
    ["amlMethod", term("method", a.method || "UNKNOWN")],
    a.confidence != null ? ["amlConfidence", `${Math.round(a.confidence)} %`] : null,
    ["amlFixedAt", a.fixedAt ? dateTime(a.fixedAt) : "?"],
    ["amlReceivedAt", dateTime(a.receivedAt)],
    ["amlTransport", term("transport", a.transport)],
    a.number ? ["amlNumber", a.number] : null,
    a.warnings?.length ? ["amlWarnings", a.warnings.map((w) => term("amlWarning", w)).join("; ")] : null,
  ].filter(Boolean);
  replace(
    $("#detail-aml"),
    facts.map(([key, value]) => [h("dt", {}, t(key)), h("dd", { dataset: { aml: key } }, value)]),
  );
}

function seconds(value) {
  return t("seconds", { n: Number(value).toLocaleString(lang() === "en" ? "en-GB" : "id-ID", { maximumFractionDigits: 1 }) });
}

/** The call as Amazon Connect's contact events told it (GET /incidents/{id} `call`), and its call backs. */
export function renderCall(incident) {
  const call = incident.call;
  const callback = incident.callback;
  show($("#call-block"), Boolean(call || callback));
  const facts = [];
  if (call) {
    if (call.initiatedAt) facts.push(["initiatedAt", dateTime(call.initiatedAt)]);
    if (call.queuedAt) facts.push(["queuedAt", dateTime(call.queuedAt)]);
    if (call.answeredAt) {
      const when = dateTime(call.answeredAt);
      facts.push(["answeredAt", call.answeredBy ? t("callAnsweredBy", { time: when, user: call.answeredBy }) : when]);
    }
    if (call.disconnectedAt) {
      const when = dateTime(call.disconnectedAt);
      const party = call.disconnectedBy ? t("callEndedBy", { time: when, party: term("party", call.disconnectedBy) }) : when;
      facts.push(["disconnectedAt", party]);
    }
    if (call.abandoned) facts.push(["abandoned", t("deskQueueWait", { s: Math.round(call.queueWaitSeconds ?? 0) })]);
    const intervals = [
      ["ringToQueue", call.ringToQueueSeconds],
      ["queueToAnswer", call.queueToAnswerSeconds],
      ["answerToClaim", call.answerToClaimSeconds],
      ["ringToAnswer", call.ringToAnswerSeconds],
    ].filter(([, value]) => value != null);
    if (intervals.length) facts.push(["intervals", intervals.map(([key, value]) => t(`interval_${key}`, { s: seconds(value) })).join(" · ")]);
  }
  replace(
    $("#detail-call"),
    facts.map(([key, value]) => [h("dt", {}, t(`call_${key}`)), h("dd", { dataset: { call: key } }, value)]),
  );
  if (!callback) {
    replace($("#detail-callback"));
    return;
  }
  const failed = callback.attempts.filter((a) => a.outcome !== "REACHED").length;
  replace(
    $("#detail-callback"),
    h("h4", {}, t("callbackHeading")),
    h(
      "p",
      { class: "hint" },
      t("callbackSummary", { reason: term("cbReason", callback.reason), failed }),
      callback.doneAt ? ` · ${t("callbackDone", { time: shortTime(callback.doneAt) })}` : "",
    ),
    callback.attempts.length
      ? h(
          "ol",
          { class: "attempts" },
          callback.attempts.map((a) =>
            h("li", { dataset: { outcome: a.outcome } }, `${shortTime(a.at)} · ${term("outcome", a.outcome)} · ${a.by}`, a.note ? ` · ${a.note}` : ""),
          ),
        )
      : h("p", { class: "hint" }, t("noCallbackAttempts")),
  );
}
