// The two messages over the open incident: the alert (a refused action, a lost race: role=alert, focus
// goes there) and the notice (what just happened, quietly). Each is kept as a function that gives its
// text, so that both are said again in the new language when it changes.
import { $, h, replace, show } from "./dom.js";
import { t, onLanguageChange } from "./i18n.js";

/** A message's content: its text, and the server's words in a quieter line (they are English). */
export function messageNodes(message) {
  const { text, detail } = typeof message === "string" ? { text: message } : message;
  return [
    h("span", { class: "message-text" }, text),
    detail ? h("span", { class: "server-detail", lang: "en" }, `${t("serverSaid")} ${detail}`) : null,
  ];
}

export class Messages {
  constructor() {
    this.alertText = null; // () => string | {text, detail}
    this.noticeText = null; // () => string
    onLanguageChange(() => {
      if (this.alertText) this.setAlert(this.alertText);
      if (this.noticeText) this.setNotice(this.noticeText);
    });
  }

  /** The alert over the incident: `text` gives a string or {text, detail} (detail: the server's words). */
  setAlert(text) {
    this.alertText = text;
    const el = $("#detail-alert");
    replace(el, text ? messageNodes(text()) : null);
    show(el, Boolean(text));
  }

  clearAlert() {
    this.setAlert(null);
  }

  /** The alert's text as shown, to be announced. */
  alertMessage() {
    return $("#detail-alert .message-text")?.textContent || "";
  }

  /** Move focus to the alert (a lost race, a refused action), so that it is read and the keys go on. */
  focusAlert() {
    const el = $("#detail-alert");
    if (!el.hidden) el.focus();
  }

  setNotice(text) {
    this.noticeText = text;
    $("#detail-notice").textContent = text ? text() : "";
  }

  /** The notice's text function, to be kept under a newer message (calls.js). */
  get notice() {
    return this.noticeText;
  }
}
