// Amazon Connect's Contact Control Panel (softphone), embedded when config.connect is set. An incoming
// contact opens the incident its flow registered (the contact attribute incidentId): a screen pop.
import { VENDOR } from "./vendor.js";
import { $, show } from "./dom.js";
import { t } from "./i18n.js";

let started = false;

function loadStreams() {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = VENDOR.connectStreams;
    script.onload = () => resolve(window.connect);
    script.onerror = () => reject(new Error(`cannot load ${VENDOR.connectStreams}`));
    document.head.append(script);
  });
}

/** Set up the phone area; `openIncident(id)` is the screen pop. */
export async function setupConnect(config, openIncident, announce) {
  const status = $("#ccp-status");
  const container = $("#ccp-container");
  if (!config || !config.ccpUrl) {
    status.dataset.i18n = "connectNotConfigured";
    status.textContent = t("connectNotConfigured");
    show(container, false);
    return;
  }
  document.body.classList.add("with-phone");
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
    connect.contact((contact) => {
      contact.onConnecting(() => {
        const attributes = contact.getAttributes() || {};
        const id = attributes.incidentId && attributes.incidentId.value;
        if (id) {
          openIncident(id);
          announce(t("connectIncoming", { id }));
        }
      });
    });
    delete status.dataset.i18n;
    status.textContent = "";
  } catch (error) {
    delete status.dataset.i18n;
    status.textContent = t("connectFailed", { message: error.message });
  }
}
