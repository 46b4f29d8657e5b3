// The supervisor's statistics screen (stats.html): the shift now, the figures over a chosen range from
// GET /stats drawn as charts with their data tables, and the monthly report. It reuses the panel's
// session (same tab): a person who is not signed in as a supervisor is sent to sign in on the panel.
import { $, h, replace, show } from "./dom.js";
import { t, term, initLanguage, applyI18n, toggleLanguage, onLanguageChange } from "./i18n.js";
import { clock, setTimeZone } from "./format.js";
import { Session } from "./auth.js";
import { Api } from "./api.js";
import { dataTable, destroyCharts, histogram, loadCharts, pairedBars, stackedBars } from "./charts.js";
import { renderShift } from "./shift.js";
import { downloadCsv, renderMonthly } from "./monthly.js";

const OUTCOMES = ["verified", "prank", "silent", "non-emergency", "duplicate", "attached", "cancelled", "abandoned", "unreachable", "open"];
const DAY_MS = 86_400_000;
let config = null;
let api = null;
let session = null;
let offsetHours = 7; // the regency's zone offset: Indonesia's zones keep no daylight saving time
let last = null;
let Chart = null; // Chart.js, once loaded (loadCharts)

function localDate(ms) {
  return new Date(ms + offsetHours * 3_600_000).toISOString().slice(0, 10);
}

function zoneSuffix() {
  return `+${String(offsetHours).padStart(2, "0")}:00`;
}

function seconds(value) {
  return value === null || value === undefined ? t("st_overDay") : t("st_seconds", { n: value });
}

/** An interval's percentile: "–" when nothing was measured (the API's null then means no data, not a day). */
function percentile(interval, key) {
  return interval.count ? seconds(interval[key]) : "–";
}

function percent(share) {
  return share === null || share === undefined ? "–" : `${(share * 100).toFixed(1)} %`;
}

function bucketLabel(bucket) {
  return bucket === "inf" ? "∞" : bucket;
}

function renderTotals(stats) {
  const total = stats.total;
  const [within15, within20] = total.answerTime.targets;
  replace(
    $("#totals"),
    h(
      "dl",
      { class: "tiles" },
      tile(t("st_incidents"), String(total.incidents), "total-incidents"),
      tile(t("st_answered15"), `${percent(within15.share)} · ${t("st_target", { share: percent(within15.targetShare) })} · ${within15.met === null ? "–" : t(within15.met ? "st_met" : "st_notMet")}`, "total-within15"),
      tile(t("st_answered20"), `${percent(within20.share)} · ${t("st_target", { share: percent(within20.targetShare) })} · ${within20.met === null ? "–" : t(within20.met ? "st_met" : "st_notMet")}`, "total-within20"),
      tile(t("st_prankShare"), percent(total.prankShare), "total-prank"),
      tile(t("st_silentShare"), percent(total.silentShare), "total-silent"),
    ),
  );
}

function tile(label, value, id) {
  return h("div", { class: "tile" }, h("dt", {}, label), h("dd", { id }, value));
}

function renderCharts(stats) {
  destroyCharts();
  const keys = OUTCOMES.map((key) => ({ key, label: term("outcome", key) }));
  const bars = stats.series.map((period) => ({
    label: stats.by === "hour" ? new Date(Date.parse(period.period) + offsetHours * 3_600_000).toISOString().slice(11, 13) : period.period.slice(5),
    values: period.byOutcome,
  }));
  replace(
    $("#chart-periods"),
    h("h3", {}, t("st_perPeriod")),
    stackedBars(Chart, bars, keys, { title: t("st_perPeriod"), description: `${stats.series.length} × ${t(stats.by === "hour" ? "st_byHour" : "st_byDay")}` }),
    h("details", {}, h("summary", {}, t("st_chartTable")),
      dataTable(t("st_perPeriod"), [t("st_period"), ...keys.map((k) => k.label)], stats.series.map((p) => [p.period, ...OUTCOMES.map((o) => String(p.byOutcome[o] || 0))]))),
  );
  const ring = stats.total.intervals.ringToAnswer;
  replace(
    $("#chart-answers"),
    h("h3", {}, t("st_answerTimes")),
    histogram(Chart, ring.histogram, {
      title: t("st_answerTimes"),
      description: `n = ${ring.count}; ${t("st_median")} ${percentile(ring, "p50Seconds")}; ${t("st_p90")} ${percentile(ring, "p90Seconds")}`,
      axis: t("st_bucketAxis"),
      line: 15,
      lineLabel: t("st_line15"),
      withinLabel: t("st_within15"),
      beyondLabel: t("st_beyond15"),
      bucketLabel,
    }),
    h("details", {}, h("summary", {}, t("st_chartTable")),
      dataTable(t("st_answerTimes"), ["≤ s", t("st_count")], Object.entries(ring.histogram).map(([b, n]) => [bucketLabel(b), String(n)]))),
  );
  const categories = Object.entries(stats.total.dispatchByCategory);
  replace(
    $("#chart-dispatch"),
    h("h3", {}, t("st_dispatchTimes")),
    pairedBars(
      Chart,
      categories.map(([code, interval]) => ({ label: term("category", code), first: interval.p50Seconds, second: interval.p90Seconds })),
      { title: t("st_dispatchTimes"), description: categories.map(([code, i]) => `${term("category", code)}: ${percentile(i, "p50Seconds")} / ${percentile(i, "p90Seconds")}`).join("; ") || "–", axis: t("st_secondsAxis"), first: t("st_median"), second: t("st_p90"), format: seconds },
    ),
  );
  const districts = Object.entries(stats.total.byDistrict).sort((a, b) => b[1] - a[1]);
  replace($("#district-table"), dataTable(t("st_districts"), [t("st_district"), t("st_incidents")], districts.map(([name, n]) => [name === "NONE" ? "–" : name, String(n)])));
  replace(
    $("#interval-table"),
    dataTable(t("st_intervals"), [t("st_interval"), t("st_median"), t("st_p90"), t("st_count")],
      Object.entries(stats.total.intervals).map(([name, i]) => [t(`stint_${name}`), percentile(i, "p50Seconds"), percentile(i, "p90Seconds"), String(i.count)])),
  );
}

async function refresh() {
  const from = $("#range-from").value;
  const to = $("#range-to").value;
  const by = $("#range-by").value;
  const end = new Date(Date.parse(`${to}T00:00:00${zoneSuffix()}`) + DAY_MS).toISOString();
  const query = `from=${encodeURIComponent(`${from}T00:00:00${zoneSuffix()}`)}&to=${encodeURIComponent(end)}&by=${by}`;
  try {
    const [stats, charts] = await Promise.all([api.get(`/stats?${query}`), loadCharts(), renderShift(api, $("#shift-body"))]);
    Chart = charts;
    last = stats;
    renderTotals(stats);
    renderCharts(stats);
    show($("#stats-error"), false);
    $("#updated").textContent = t("st_updated", { time: clock() });
    $("#stats-view").dataset.loaded = "true";
  } catch (error) {
    $("#stats-error").textContent = t("st_loadFailed", { detail: error.message });
    show($("#stats-error"));
  }
}

async function printMonth() {
  const report = await api.get(`/reports/${encodeURIComponent($("#month").value)}`);
  renderMonthly(report, $("#monthly-print"), config.regency.name);
  show($("#monthly-print"));
  window.print();
}

async function boot() {
  initLanguage();
  applyI18n(document);
  const response = await fetch("config.json", { cache: "no-cache" });
  config = await response.json();
  setTimeZone(config.regency.timezone);
  offsetHours = { "Asia/Makassar": 8, "Asia/Jayapura": 9 }[config.regency.timezone] || 7;
  $("#regency-name").textContent = config.regency.name;
  $("#lang-button").addEventListener("click", toggleLanguage);
  session = Session.load();
  if (!session || !session.isSupervisor) {
    show($("#not-supervisor"));
    return;
  }
  api = new Api(config.apiUrl, () => session.idToken, async () => false);
  const today = localDate(Date.now());
  $("#range-from").value = today;
  $("#range-to").value = today;
  $("#month").value = today.slice(0, 7);
  $("#range-form").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  $("#print-button").addEventListener("click", () => printMonth());
  $("#csv-button").addEventListener("click", () => downloadCsv(config.apiUrl, session.idToken, $("#month").value));
  onLanguageChange(() => {
    if (last) {
      renderTotals(last);
      renderCharts(last);
    }
  });
  show($("#stats-view"));
  await refresh();
  $("#stats-heading").focus();
}

boot();
