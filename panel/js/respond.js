// The responders' page (respond.html): opened from the link in a post's SMS or e-mail, no account. The
// token is in the fragment (#t=…), which the browser never sends to a server; the page sends it to the
// responders' API in the path: GET /respond/{token} (what responders need), POST /respond/{token}
// {status, note} (functions/agency/openapi.json). 404: the link is not valid or expired; 409: the
// incident is closed or changed meanwhile (the page reads it again).
import { $, h, replace } from "./dom.js";
import { endpoint } from "./api.js";

const STEPS = [
  ["ACKNOWLEDGED", "Diterima", "Received"],
  ["EN_ROUTE", "Dalam perjalanan", "En route"],
  ["ON_SCENE", "Tiba di lokasi", "On scene"],
  ["CLEARED", "Selesai", "Cleared"],
];
const LABEL = Object.fromEntries([["NOTIFIED", "Diberi tahu", "Notified"], ...STEPS].map(([k, id, en]) => [k, [id, en]]));

let apiUrl = "";
let token = "";
let sending = false;

function both(id, en) {
  return [id, " ", h("span", { class: "en" }, en)];
}

function showError(id, en) {
  const box = $("#respond-error");
  replace(box, ...both(id, en));
  box.hidden = false;
}

function place(location) {
  const parts = [];
  if (location.district) parts.push(`Kec. ${location.district}`);
  if (location.address) parts.push(location.address);
  if (location.lat !== null && location.lon !== null) parts.push(`${location.lat.toFixed(5)}, ${location.lon.toFixed(5)}`);
  return parts.join(", ") || "belum diketahui";
}

function render(view) {
  $("#respond-boot").hidden = true;
  $("#respond-view").hidden = false;
  replace($("#respond-title"), `${view.categoryText} ${view.priority || ""}`.trim());
  replace($("#respond-post"), `${view.post.name} (${view.agencyName})`);
  const location = view.location;
  const map = location.lat !== null && location.lon !== null
    ? h("a", { href: `geo:${location.lat},${location.lon}` }, " peta / map")
    : null;
  replace($("#respond-place"), place(location), ...(map ? [map] : []));
  replace($("#respond-summary"), view.summary || "-");
  replace($("#respond-caller"), view.caller ? h("a", { href: `tel:${view.caller}` }, view.caller) : "tidak diketahui");
  const [id, en] = LABEL[view.status];
  replace($("#respond-status"), ...both(id, en));
  const open = view.incidentStatus !== "CLOSED";
  replace(
    $("#respond-buttons"),
    ...STEPS.map(([status, label, english]) => {
      const ahead = view.next.includes(status);
      const button = h("button", { type: "button", class: ahead ? "primary" : "ghost", "data-status": status }, ...both(label, english));
      button.disabled = !ahead || !open;
      button.addEventListener("click", () => report(status));
      return button;
    }),
  );
}

async function call(method, body) {
  const response = await fetch(endpoint(apiUrl, `/respond/${token}`), {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
    cache: "no-store",
  });
  const data = await response.json().catch(() => ({}));
  return { status: response.status, data };
}

async function load() {
  try {
    const { status, data } = await call("GET");
    if (status === 200) render(data);
    else if (status === 404) showError("Tautan tidak berlaku atau sudah kedaluwarsa. Hubungi 112.", "This link is not valid or has expired. Call 112.");
    else showError("Tidak dapat memuat. Coba lagi.", "Could not load. Try again.");
  } catch {
    showError("Tidak ada jaringan. Coba lagi.", "No network. Try again.");
  }
}

async function report(status) {
  if (sending) return;
  sending = true;
  $("#respond-error").hidden = true;
  const note = $("#respond-note").value.trim();
  try {
    const { status: code, data } = await call("POST", { status, ...(note ? { note } : {}) });
    if (code === 200) {
      $("#respond-note").value = "";
      render(data);
    } else if (code === 409) {
      showError("Insiden sudah berubah atau ditutup; dimuat ulang.", "The incident changed or was closed; reloaded.");
      await load();
    } else if (code === 404) {
      showError("Tautan tidak berlaku atau sudah kedaluwarsa. Hubungi 112.", "This link is not valid or has expired. Call 112.");
    } else {
      showError("Tidak terkirim. Coba lagi.", "Not sent. Try again.");
    }
  } catch {
    showError("Tidak ada jaringan; belum terkirim. Coba lagi.", "No network; not sent. Try again.");
  } finally {
    sending = false;
  }
}

async function start() {
  token = new URLSearchParams(window.location.hash.slice(1)).get("t") || "";
  if (!/^[0-9A-Z]{26}\.[a-z0-9-]{1,64}\.[0-9]{10}\.[A-Za-z0-9_-]{43}$/.test(token)) {
    $("#respond-boot").hidden = true;
    showError("Tautan tidak lengkap. Buka tautan dari SMS atau e-mail.", "The link is incomplete. Open it from the SMS or e-mail.");
    return;
  }
  try {
    const config = await (await fetch("config.json", { cache: "no-cache" })).json();
    apiUrl = config.apiUrl || "";
  } catch {
    apiUrl = "";
  }
  await load();
}

start();
