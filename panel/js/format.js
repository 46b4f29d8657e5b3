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

/** The regency's calendar date of `date` as YYYY-MM-DD (what a date input holds). */
export function zonedDate(date = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

/** Midnight starting `day` (YYYY-MM-DD) in the regency's zone, as ISO 8601 with its offset ("+07:00"). */
export function zonedMidnight(day) {
  // The zone's offset at noon UTC of that day: the regencies' zones keep one offset all year.
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(new Date(`${day}T12:00:00Z`))
    .find((part) => part.type === "timeZoneName").value; // "GMT+07:00", or "GMT" for UTC
  const offset = name === "GMT" ? "Z" : name.slice(3);
  return `${day}T00:00:00${offset}`;
}

/** The day after `day` (YYYY-MM-DD), or `days` on. */
export function addDays(day, days = 1) {
  const moment = new Date(`${day}T00:00:00Z`);
  moment.setUTCDate(moment.getUTCDate() + days);
  return moment.toISOString().slice(0, 10);
}
