// Amazon Connect's Contact Control Panel (softphone), embedded when config.connect is set. An incoming
// contact opens the incident its flow registered (the contact attribute incidentId): a screen pop. A
// contact without one (the intake failed or timed out) is handed on to be offered (calls.js).
// The phone's pane folds into a narrow strip (remembered in the browser) so that the incident and its
// form fit at 1366×768; it unfolds by itself when a call comes in. Folded, the softphone keeps running.
import { VENDOR } from "./vendor.js";
import { $, show } from "./dom.js";
import { t, onLanguageChange } from "./i18n.js";
import { describeContact } from "./calls.js";

let started = false;
let agent = null; // the signed-in agent of the softphone, once streams names it (click-to-dial)
const FOLD_KEY = "respon112.phone";

function folded() {
  return document.body.classList.contains("phone-collapsed");
}

function labelToggle() {
  const button = $("#phone-toggle");
  const collapsed = folded();
  button.textContent = collapsed ? t("phoneShow") : t("phoneHide");
  button.setAttribute("aria-label", collapsed ? t("phoneShowLabel") : t("phoneHideLabel"));
  button.setAttribute("aria-expanded", String(!collapsed));
}

/** Fold or unfold the phone's pane; the softphone stays loaded (out of sight, out of the Tab order). */
export function foldPhone(collapsed, remember = true) {
  document.body.classList.toggle("phone-collapsed", collapsed);
  $("#phone-body").inert = collapsed;
  labelToggle();
  if (remember) {
    try {
      localStorage.setItem(FOLD_KEY, collapsed ? "folded" : "open");
    } catch {
      // private mode: for this page only
    }
  }
  window.dispatchEvent(new Event("resize")); // the map measures its new width
}

function setupFold() {
  const button = $("#phone-toggle");
  show(button);
  if (!button.dataset.wired) {
    button.dataset.wired = "true";
    button.addEventListener("click", () => {
      foldPhone(!folded());
      button.focus();
    });
    onLanguageChange(labelToggle);
  }
  let stored = null;
  try {
    stored = localStorage.getItem(FOLD_KEY);
  } catch {
    stored = null;
  }
  foldPhone(stored === "folded", false);
}

function loadStreams() {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = VENDOR.connectStreams;
    script.onload = () => resolve(window.connect);
    script.onerror = () => reject(new Error(`cannot load ${VENDOR.connectStreams}`));
    document.head.append(script);
  });
}

/** Set up the phone area; `calls.incident(id)` is the screen pop, `calls.withoutIncident(call)` gets a
 * call whose contact has no incidentId ({contactId, caller}). */
export async function setupConnect(config, calls, announce) {
  const status = $("#ccp-status");
  const container = $("#ccp-container");
  if (!config || !config.ccpUrl) {
    status.dataset.i18n = "connectNotConfigured";
    status.textContent = t("connectNotConfigured");
    show(container, false);
    return;
  }
  document.body.classList.add("with-phone");
  setupFold();
  if (started) return; // initCCP once per page
  started = true;
  status.dataset.i18n = "connectLoading";
  status.textContent = t("connectLoading");
  try {
    const connect = await loadStreams();
    show(container);
    connect.core.initCCP(container, {
      ccpUrl: config.ccpUrl,
      region: config.region,
      loginPopup: true,
      loginPopupAutoClose: true,
      softphone: { allowFramedSoftphone: true, disableRingtone: false },
      pageOptions: { enableAudioDeviceSettings: true, enablePhoneTypeSettings: true },
    });
    if (typeof connect.agent === "function") connect.agent((signedIn) => (agent = signedIn));
    connect.contact((contact) => {
      // A call the operator places (a call back from the desk) is no 112 call to register or pop.
      if (typeof contact.isInbound === "function" && !contact.isInbound()) return;
      contact.onConnecting(() => {
        if (folded()) foldPhone(false, false); // the call is answered in the softphone
        const call = describeContact(contact);
        if (!call) return; // monitoring someone else's call
        if (call.incidentId) {
          announce(t("connectIncoming", { id: call.incidentId }));
          calls.incident(call.incidentId);
        } else {
          calls.withoutIncident(call);
        }
      });
      // Also once connected: a contact whose ringing the panel did not see (one it learnt of after a
      // reload) still gets its offer. CallOffers offers each contact once.
      contact.onConnected?.(() => {
        const call = describeContact(contact);
        if (call && !call.incidentId) calls.withoutIncident(call);
      });
    });
    delete status.dataset.i18n;
    status.textContent = "";
  } catch (error) {
    delete status.dataset.i18n;
    status.textContent = t("connectFailed", { message: error.message });
  }
}

/** Whether the softphone can place a call (Amazon Connect configured and an agent signed in). */
export function canDial() {
  return Boolean(agent && window.connect?.Endpoint);
}

/** Call `number` (E.164) from the softphone: amazon-connect-streams' agent.connect, click-to-dial. The
 * phone's pane unfolds: the call is handled there. Resolves once the softphone has placed it. */
export function dial(number) {
  return new Promise((resolve, reject) => {
    if (!canDial()) {
      reject(new Error("no softphone"));
      return;
    }
    if (folded()) foldPhone(false, false);
    agent.connect(window.connect.Endpoint.byPhoneNumber(number), {
      success: () => resolve(),
      failure: (error) => reject(new Error(typeof error === "string" ? error : error?.message || "failed")),
    });
  });
}
