// An incident's people and things in words: who reported it, its first words, its flags, who acted on
// it, a language's name, an agency's name. Shared by the lists, the incident's view and its forms.
import { h } from "./dom.js";
import { t, term, has, lang } from "./i18n.js";

const SNIPPET_CHARS = 140; // of the citizen's words, in a queue row

/** Who reported: the caller's number (masked once its retention is over), else the social account the
 * message came from. */
export function reporter(incident) {
  if (incident.caller) return incident.caller;
  if (incident.callerMasked) return incident.callerMasked;
  const source = incident.source || {};
  if (source.screenName) return `@${source.screenName}`;
  const id = source.instagramSender || source.twitterUser;
  return id ? t("socialSender", { id }) : null;
}

/** The first words of a report on one line, and the longer text for a tooltip when they are cut. */
export function snippet(text) {
  const flat = String(text).replace(/\s+/g, " ").trim();
  if (flat.length <= SNIPPET_CHARS) return { text: flat, title: null };
  return { text: `${flat.slice(0, SNIPPET_CHARS - 1)}…`, title: flat.slice(0, 600) };
}

export function flagChip(incident, flag) {
  const title = flag === "UNPARSED" && incident.source?.rawKey ? `${t("rawKeyLabel")}: ${incident.source.rawKey}` : null;
  return h("span", { class: "flag", dataset: { flag }, title }, term("flag", flag));
}

/** "system:intake" → "sistem (telepon 112)"; an operator's name as it is. */
export function actorName(actor) {
  if (!actor) return "?";
  if (!actor.startsWith("system:")) return actor;
  const which = actor.slice("system:".length);
  const key = `system_${which}`;
  return t("systemActor", { what: has(key) ? t(key) : which });
}

/** The language of a code like "id-ID", in the panel's language, with the code. */
export function languageName(code) {
  try {
    const names = new Intl.DisplayNames([lang() === "en" ? "en" : "id"], { type: "language" });
    const name = names.of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

/** An agency's name in the panel's language (`agencies`: config.json's list), or its code. */
export function agencyName(agencies, code) {
  const agency = (agencies || []).find((a) => a.code === code);
  if (!agency) return code;
  return lang() === "en" ? agency.nameEn : agency.nameId;
}

/** "DAMKAR,POLRI" → their names, comma-separated (the timeline's details carry codes). */
export function agencyNames(agencies, codes) {
  return String(codes || "")
    .split(",")
    .filter(Boolean)
    .map((code) => agencyName(agencies, code))
    .join(", ");
}
