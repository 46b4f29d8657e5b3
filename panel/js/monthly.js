// The monthly report on the statistics screen: a one-page summary in Bahasa Indonesia, whatever the
// screen's language (it is the regency's report), printed from the browser; and the month's CSV.
import { h, replace } from "./dom.js";
import { endpoint } from "./api.js";
import { tIn } from "./i18n.js";

const ID = (key, params) => tIn("id", key, params);

function percent(share) {
  return share === null || share === undefined ? "–" : `${(share * 100).toFixed(1).replace(".", ",")} %`;
}

function seconds(value) {
  return value === null || value === undefined ? ID("st_overDay") : ID("st_seconds", { n: value });
}

/** The printable page for a month's report (GET /reports/{month}). */
export function renderMonthly(report, root, regencyName) {
  const summary = report.summary;
  const answer = summary.answerTime.targets;
  replace(
    root,
    h("h2", {}, `${ID("st_monthly")} ${regencyName}: ${report.month}`),
    h(
      "table",
      { class: "data" },
      h("tbody", {},
        row(ID("st_incidents"), summary.incidents),
        ...answer.map((target) =>
          row(
            ID(target.withinSeconds === 15 ? "st_answered15" : "st_answered20"),
            `${percent(target.share)} (${ID("st_target", { share: percent(target.targetShare) })}: ${ID(target.met ? "st_met" : "st_notMet")})`,
          ),
        ),
        row(ID("st_prankShare"), percent(summary.prankShare)),
        row(ID("st_silentShare"), percent(summary.silentShare)),
      ),
    ),
    h("h3", {}, ID("st_intervals")),
    h(
      "table",
      { class: "data" },
      h("tbody", {},
        ...Object.entries(summary.intervals)
          .filter(([, interval]) => interval.count)
          .map(([name, interval]) => row(ID(`stint_${name}`), interval.count ? `${seconds(interval.p50Seconds)} / ${seconds(interval.p90Seconds)} (n = ${interval.count})` : "– (n = 0)")),
      ),
    ),
    h("h3", {}, ID("st_topDistricts")),
    h("ol", { id: "monthly-districts" }, ...report.topDistricts.map((d) => h("li", {}, `${d.name}: ${d.incidents}`))),
    h("h3", {}, ID("st_topCategories")),
    h("ol", {}, ...report.topCategories.map((c) => h("li", {}, `${ID(`category_${c.name}`)}: ${c.incidents}`))),
  );
}

function row(label, value) {
  return h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, String(value)));
}

/** Fetches the month's CSV with the session's token and hands it to the browser as a download. */
export async function downloadCsv(base, token, month) {
  const response = await fetch(endpoint(base, `/reports/${encodeURIComponent(month)}/incidents.csv`), {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: `respon112-${month}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
