// Times in the regency's time zone (WIB for Banyuwangi), waiting times, coordinates.
import { lang } from "./i18n.js";

const ZONE_LABELS = { "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT" };
let zone = "Asia/Jakarta";
const cache = new Map();

export function setTimeZone(timeZone) {
  zone = timeZone || "Asia/Jakarta";
  cache.clear();
}

export function zoneLabel() {
  return ZONE_LABELS[zone] || zone;
}

function formatter(kind) {
  const key = `${lang()}:${kind}`;
  if (!cache.has(key)) {
    const locale = lang() === "en" ? "en-GB" : "id-ID";
    const options =
      kind === "time"
        ? { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }
        : kind === "short"
          ? { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
          : { day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
    cache.set(key, new Intl.DateTimeFormat(locale, { ...options, timeZone: zone }));
  }
  return cache.get(key);
}

/** "29 Nov 2026 12.14.21 WIB" — the full timestamp in the regency's zone, labelled. */
export function dateTime(iso) {
  if (!iso) return "–";
  return `${formatter("dateTime").format(new Date(iso))} ${zoneLabel()}`;
}

/** "12:14:21 WIB". */
export function clock(date = new Date()) {
  return `${formatter("time").format(date)} ${zoneLabel()}`;
}

/** "29 Nov 12.14 WIB": enough to tell incidents of one shift apart (the duplicate picker). */
export function shortTime(iso) {
  if (!iso) return "–";
  return `${formatter("short").format(new Date(iso))} ${zoneLabel()}`;
}

/** Waiting time since `iso` as mm:ss (minutes keep counting past 59). */
export function waited(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${String(minutes).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
}

export function waitedSeconds(iso, now = Date.now()) {
  return Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
}

export function coord(value) {
  return Number(value).toFixed(5);
}
