// How a message is shown: its text, and the server's own words in a quieter line (they are English).
import { h } from "./dom.js";
import { t } from "./i18n.js";

/** A message's content: its text, and the server's words in a quieter line (they are English). */
export function messageNodes(message) {
  const { text, detail } = typeof message === "string" ? { text: message } : message;
  return [
    h("span", { class: "message-text" }, text),
    detail ? h("span", { class: "server-detail", lang: "en" }, `${t("serverSaid")} ${detail}`) : null,
  ];
}
