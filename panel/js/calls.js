// A 112 call the softphone brings without its incident. The contact flow puts the intake's incidentId on
// every contact; when the intake failed or timed out the contact has none, and the screen pop has nothing
// to open. The panel then offers to open the call's incident in one key press (i, Alt+I inside a form, or
// the button), from the contact's initial id and the caller's number as the CCP shows them. The API keys
// that incident on the contact exactly as the intake keys the call, so a second press, another operator's
// press or the intake's late success all give the same incident (docs/decisions.md §33).
import { $, show } from "./dom.js";
import { t, onLanguageChange } from "./i18n.js";
import { ApiError } from "./api.js";
import { actorName } from "./incident-words.js";
import { describeError } from "./errors.js";

// The numbers the API takes (core/phone.py): E.164, and for Indonesia 8-12 national digits.
const E164 = /^\+[1-9][0-9]{7,14}$/;
const E164_ID = /^\+62[1-9][0-9]{7,11}$/;

/** The caller's number as the CCP shows it, if it is one the API takes; null when withheld or odd. */
function callerNumber(contact) {
  let endpoint = null;
  try {
    endpoint = contact.getInitialConnection?.()?.getEndpoint?.() || null;
  } catch {
    endpoint = null; // a contact without connections yet: no number
  }
  const raw = String(endpoint?.phoneNumber || "")
    .replace(/^sip:/, "")
    .replace(/@.*$/, "")
    .replace(/[\s\-.()]/g, "");
  if (!E164.test(raw)) return null;
  return raw.startsWith("+62") && !E164_ID.test(raw) ? null : raw;
}

/**
 * What an amazon-connect-streams contact says about its call: the flow's incidentId (if any), the id the
 * call is keyed on (the initial contact id, which a transfer keeps) and the caller's number. Null when the
 * user only monitors the call (streams then gives no attributes): the call is not theirs to open.
 */
export function describeContact(contact) {
  const attributes = contact.getAttributes?.();
  if (!attributes) return null;
  return {
    incidentId: attributes.incidentId?.value || null,
    contactId: contact.getInitialContactId?.() || contact.getContactId?.() || null,
    caller: callerNumber(contact),
  };
}

export class CallOffers {
  /** `incidentView` opens the incident (as a screen pop does), `messages` say what happened. */
  constructor({ api, announce, store, incidentView, messages }) {
    this.api = api;
    this.announce = announce;
    this.store = store;
    this.incidentView = incidentView;
    this.messages = messages;
    this.queue = []; // calls waiting for their incident, oldest first
    this.handled = new Set(); // contact ids offered on this page: a contact's later events offer nothing new
    this.busy = false;
    this.error = null; // () => {text, detail}: why the last attempt failed
    $("#call-offer-open").addEventListener("click", () => this.take());
    onLanguageChange(() => this.render());
  }

  get pending() {
    return this.queue.length > 0;
  }

  /** A call reached this operator without an incident: offer to open it. The offer stays until taken,
   * across a sign-out too: the call needs its record whoever is at the desk. */
  offer(call) {
    if (!call.contactId || this.handled.has(call.contactId)) return;
    this.handled.add(call.contactId);
    this.queue.push(call);
    this.render();
    this.announce(this.text(call));
  }

  text(call) {
    return t("callOffer", { caller: call.caller || t("callerUnknown") });
  }

  render() {
    const box = $("#call-offer");
    const call = this.queue[0];
    show(box, Boolean(call));
    if (!call) return;
    box.dataset.contact = call.contactId;
    const more = this.queue.length > 1 ? ` ${t("callOfferMore", { count: this.queue.length - 1 })}` : "";
    $("#call-offer-text").textContent = this.text(call) + more;
    const error = $("#call-offer-error");
    const problem = this.error ? this.error() : null;
    error.textContent = problem ? [problem.text, problem.detail].filter(Boolean).join(" — ") : "";
    show(error, Boolean(problem));
  }

  /** The key or the button: open the first waiting call's incident (one at a time; a press while the
   * request is under way does nothing more). */
  async take() {
    const call = this.queue[0];
    const button = $("#call-offer-open");
    if (!call || this.busy) return;
    this.busy = true;
    button.disabled = true;
    this.error = null;
    this.render();
    try {
      const incident = await this.open(call);
      this.queue.shift();
      this.render();
      await this.incidentView.open(incident.id);
      const ref = incident.id.slice(-6);
      const mine = incident.createdBy === this.store.me;
      const said = () => (mine ? t("callOfferOpened", { ref }) : t("callOfferFound", { ref, who: actorName(incident.createdBy) }));
      const before = this.messages.notice; // e.g. where the form left open went (a draft)
      this.messages.setNotice(() => [said(), before?.()].filter(Boolean).join(" "));
      this.announce(said());
    } catch (error) {
      this.error = () => describeError(error);
      this.render();
    } finally {
      this.busy = false;
      button.disabled = false;
    }
  }

  async open(call) {
    const body = { channel: "VOICE", contactId: call.contactId };
    if (call.caller) body.caller = call.caller;
    try {
      return await this.api.post("/incidents", body);
    } catch (error) {
      // A number the API refuses must not keep the call from its record: open it without the number.
      const refusedCaller = (error.body?.detail || []).some((d) => (d.loc || []).join(".") === "body.caller");
      if (error instanceof ApiError && error.status === 422 && body.caller && refusedCaller) {
        delete body.caller;
        return this.api.post("/incidents", body);
      }
      throw error;
    }
  }
}
