// The public report form (report.html): a citizen who cannot call reports what is happening, where, and
// a number to call back. No sign-in. POST /reports of the public intake (functions/intake/openapi.json):
// 202 {incidentId, message, messageEn}, 422 {message, detail[{loc, msg}]}, 429 with Retry-After.
// The checks below mirror the API's so that most mistakes are shown before anything is sent.
import { $, h, replace, show } from "./dom.js";
import { t, lang, initLanguage, applyI18n, toggleLanguage, onLanguageChange } from "./i18n.js";
import { endpoint } from "./api.js";
import { coord } from "./format.js";

const DESCRIPTION = { min: 10, max: 2000 };
const ADDRESS = { min: 3, max: 500 };
const NAME_MAX = 100;
const MAX_ACCURACY_M = 100_000; // the API refuses a coarser position
const COARSE_M = 500; // beyond this, ask for an address too
// An Indonesian number as people type it: 08… or +62… / 62…, separators allowed. Like the API
// (core/phone.py): 7–12 digits after the country code, never starting with 0.
const SEPARATORS = /[\s\-.()/]/g;
const PHONE_ID = /^\+62[1-9][0-9]{6,11}$/;

let config = null;
let clientReportId = null;
let position = null; // {lat, lon, accuracy} once the citizen asked for it
let geoStatus = null; // () => string, re-rendered when the language changes
let formError = null; // idem
let answer = null; // the 202 body, shown in the current language
const fieldErrors = new Map(); // field -> () => string, idem
let sending = false;

/** A fresh id for this form: a retry of the same report sends it again and gets the same incident. */
function newClientReportId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Unicode code points, as the API counts a string's length. */
function length(text) {
  return [...text].length;
}

/** The number in E.164 (+62…), or null when it is not an Indonesian number. */
export function normalizePhone(raw) {
  let text = (raw || "").normalize("NFKC").trim().replace(SEPARATORS, "");
  if (text.startsWith("0")) text = `+62${text.slice(1)}`;
  else if (text.startsWith("62")) text = `+${text}`;
  return PHONE_ID.test(text) ? text : null;
}

/** "7 menit" / "7 minutes": a Retry-After in words (seconds, or an HTTP date). */
export function waitInWords(retryAfter, now = Date.now()) {
  let seconds = Number.parseInt(retryAfter, 10);
  if (!/^\d+$/.test(String(retryAfter || "").trim())) {
    const when = Date.parse(retryAfter || "");
    seconds = Number.isNaN(when) ? Number.NaN : Math.ceil((when - now) / 1000);
  }
  if (!Number.isFinite(seconds) || seconds < 0) return t("waitUnknown");
  const unit = (key, n) => (n === 1 ? t(`${key}1`) : t(key, { n }));
  if (seconds < 60) return unit("dur_s", Math.max(1, seconds));
  if (seconds < 3600) return unit("dur_m", Math.ceil(seconds / 60));
  return unit("dur_h", Math.ceil(seconds / 3600));
}

function distance(metres) {
  return metres >= 1000 ? `${(metres / 1000).toFixed(1)} km` : `${Math.round(metres)} m`;
}

// -- rendering ---------------------------------------------------------------------------------------

function setFormError(text) {
  formError = text;
  $("#report-error").textContent = text ? text() : "";
}

function setGeoStatus(text) {
  geoStatus = text;
  $("#report-geo-status").textContent = text ? text() : "";
  show($("#report-geo-clear"), Boolean(position));
}

/** Mark a field and say why, next to it (`message` is re-read when the language changes). */
function fieldError(field, message) {
  fieldErrors.set(field, message);
  const error = $(`#report-${field}-error`);
  if (error) error.textContent = message();
  const input = $(`#report-${field}`);
  if (input) input.setAttribute("aria-invalid", "true");
}

function clearFieldError(field) {
  fieldErrors.delete(field);
  $(`#report-${field}-error`).textContent = "";
  $(`#report-${field}`).removeAttribute("aria-invalid");
}

function resetErrors() {
  for (const field of [...fieldErrors.keys()]) clearFieldError(field);
  setFormError(null);
}

function focusFirstInvalid() {
  const first = $('#report-form [aria-invalid="true"]');
  if (!first) return;
  const target = first.matches("fieldset") ? first.querySelector("select, input, button") : first;
  target.focus();
}

function fillDistricts() {
  const select = $("#report-district");
  const chosen = select.value;
  replace(
    select,
    h("option", { value: "" }, t("chooseDistrict")),
    config.regency.districts.map((d) => h("option", { value: d }, d)),
  );
  select.value = chosen;
}

function renderAnswer() {
  const result = $("#report-result");
  if (!answer) {
    replace(result);
    return;
  }
  replace(
    result,
    h(
      "div",
      { id: "report-done", class: "done" },
      h("h3", { id: "report-done-title", tabindex: "-1" }, t("receivedTitle")),
      h("p", { id: "report-message" }, lang() === "en" ? answer.messageEn : answer.message),
      h(
        "p",
        { class: "reference" },
        `${t("referenceLabel")}: `,
        h("strong", { id: "report-reference" }, answer.incidentId.slice(-6)),
      ),
      h("p", { class: "hint" }, t("referenceHint")),
      h("a", { class: "call-button", href: "tel:112" }, t("call112")),
      " ",
      h("button", { type: "button", id: "report-new" }, t("newReport")),
    ),
  );
}

function relabel() {
  document.title = t("reportPageTitle");
  fillDistricts();
  if (geoStatus) setGeoStatus(geoStatus);
  if (formError) setFormError(formError);
  for (const [field, message] of fieldErrors) $(`#report-${field}-error`).textContent = message();
  renderAnswer();
  if (!sending) $("#report-submit").textContent = t("submitReport");
}

// -- "use my location": asked only when the citizen presses the button ---------------------------------

function locate() {
  if (!("geolocation" in navigator)) {
    setGeoStatus(() => t("geo_unsupported"));
    return;
  }
  const button = $("#report-geo");
  button.disabled = true;
  setGeoStatus(() => t("locating"));
  navigator.geolocation.getCurrentPosition(
    (found) => {
      button.disabled = false;
      const { latitude, longitude, accuracy } = found.coords;
      if (!(accuracy <= MAX_ACCURACY_M)) {
        position = null;
        setGeoStatus(() => t("geo_tooCoarse", { acc: distance(accuracy) }));
        return;
      }
      position = {
        lat: Math.round(latitude * 1e6) / 1e6,
        lon: Math.round(longitude * 1e6) / 1e6,
        accuracy: Math.round(accuracy),
      };
      clearFieldError("location");
      setGeoStatus(() => {
        const text = t("locationFound", { lat: coord(position.lat), lon: coord(position.lon), acc: distance(position.accuracy) });
        return position.accuracy > COARSE_M ? `${text} ${t("locationCoarse")}` : text;
      });
    },
    (error) => {
      button.disabled = false;
      const key = { 1: "geo_denied", 2: "geo_unavailable", 3: "geo_timeout" }[error.code] || "geo_unavailable";
      setGeoStatus(() => t(key));
    },
    { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 },
  );
}

function clearLocation() {
  position = null;
  setGeoStatus(() => t("locationCleared"));
  $("#report-geo").focus();
}

// -- sending -------------------------------------------------------------------------------------------

/** The request's body, or null after marking what is wrong next to the fields. */
function collect() {
  resetErrors();
  const description = $("#report-description").value.trim();
  const district = $("#report-district").value;
  const address = $("#report-address").value.trim();
  const phone = normalizePhone($("#report-phone").value);
  const name = $("#report-name").value.trim();
  let invalid = false;
  const fail = (field, key) => {
    invalid = true;
    fieldError(field, () => t(key));
  };
  if (length(description) < DESCRIPTION.min || length(description) > DESCRIPTION.max) fail("description", "err_description");
  if (address && (length(address) < ADDRESS.min || length(address) > ADDRESS.max)) fail("address", "err_address");
  const addressOk = length(address) >= ADDRESS.min && length(address) <= ADDRESS.max;
  if (!district && !addressOk && !position && !address) fail("location", "err_where");
  if (!phone) fail("phone", "err_phone");
  if (length(name) > NAME_MAX) fail("name", "err_name");
  if (invalid) return null;
  const location = {};
  if (district) location.district = district;
  if (addressOk) location.address = address;
  if (position) Object.assign(location, { lat: position.lat, lon: position.lon });
  const body = { description, phone, location, clientReportId };
  if (name) body.name = name;
  if (position) body.accuracyM = position.accuracy;
  return body;
}

const FIELDS = { description: "description", phone: "phone", name: "name", district: "district", address: "address", lat: "location", lon: "location", accuracyM: "location", location: "location" };

/** A 422's details next to the fields they name; the rest above the form. */
function showRefusal(body) {
  const rest = [];
  for (const item of body.detail || []) {
    const loc = (item.loc || []).map(String);
    const field = [...loc].reverse().map((part) => FIELDS[part]).find(Boolean);
    if (field) fieldError(field, () => t("serverRefused", { msg: item.msg || "?" }));
    else rest.push(item.msg);
  }
  const kept = body.incidentId ? t("reportKeptUnparsed", { ref: body.incidentId.slice(-6) }) : t("formInvalid");
  setFormError(() => [kept, ...rest].join(" "));
}

async function submit(event) {
  event.preventDefault();
  if (sending) return;
  const body = collect();
  if (!body) {
    setFormError(() => t("formInvalid"));
    focusFirstInvalid();
    return;
  }
  const button = $("#report-submit");
  sending = true;
  button.disabled = true;
  button.textContent = t("sending");
  $("#report-form").setAttribute("aria-busy", "true");
  try {
    let response;
    try {
      response = await fetch(endpoint(config.apiUrl, "/reports"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch {
      setFormError(() => t("networkReport"));
      return;
    }
    let data = {};
    try {
      data = (await response.json()) || {};
    } catch {
      data = {};
    }
    if (response.status === 202 || (response.ok && data.incidentId)) {
      done(data);
    } else if (response.status === 422) {
      showRefusal(data);
      focusFirstInvalid();
    } else if (response.status === 429) {
      const retryAfter = response.headers.get("Retry-After");
      setFormError(() => t("rateLimited", { wait: waitInWords(retryAfter) }));
    } else {
      setFormError(() => t("serverErrorReport", { status: response.status }));
    }
  } finally {
    sending = false;
    button.disabled = false;
    button.textContent = t("submitReport");
    $("#report-form").removeAttribute("aria-busy");
  }
}

function done(data) {
  answer = { incidentId: String(data.incidentId), message: data.message || "", messageEn: data.messageEn || data.message || "" };
  show($("#report-form"), false);
  renderAnswer();
  $("#report-done-title").focus();
}

function startOver() {
  answer = null;
  renderAnswer();
  $("#report-form").reset();
  resetErrors();
  position = null;
  setGeoStatus(null);
  clientReportId = newClientReportId();
  show($("#report-form"));
  $("#report-description").focus();
}

// -- start-up ----------------------------------------------------------------------------------------

async function boot() {
  initLanguage();
  applyI18n(document);
  document.title = t("reportPageTitle");
  $("#lang-button").addEventListener("click", toggleLanguage);
  try {
    const response = await fetch("config.json", { cache: "no-cache" });
    if (!response.ok) throw new Error(String(response.status));
    config = await response.json();
  } catch {
    const message = $("#boot-message");
    message.removeAttribute("data-i18n");
    message.textContent = t("reportConfigError");
    message.setAttribute("role", "alert");
    return;
  }
  show($("#boot-message"), false);
  $("#regency-name").textContent = config.regency.name;
  clientReportId = newClientReportId();
  fillDistricts();
  $("#report-geo").addEventListener("click", locate);
  $("#report-geo-clear").addEventListener("click", clearLocation);
  $("#report-form").addEventListener("submit", submit);
  $("#report-result").addEventListener("click", (event) => {
    if (event.target.closest("#report-new")) startOver();
  });
  onLanguageChange(relabel);
  show($("#report-view"));
  document.body.dataset.ready = "true";
}

boot();
