// The channel's metadata of the open incident: the keys we know with their names (and values in words
// where they are codes), the contact's attributes, then anything else under "other data" with its raw
// key: a new field from a channel is shown, quietly, before the panel learns its name.
import { $, h, replace, show } from "./dom.js";
import { t, has } from "./i18n.js";
import { languageName } from "./incident-words.js";

// The source metadata we know, in the order an operator reads them; anything else is listed after, raw.
const SOURCE_KEYS = [
  "dialledNumber", "connectChannel", "initiationMethod", "languageCode", "contactId", "initialContactId", "instanceArn",
  "name", "locationAccuracyM", "screenName", "twitterUser", "kind", "tweetId", "instagramSender", "instagramAccount",
  "messageId", "attachments", "rawKey", "problem",
];
// Keys whose values are codes with words in i18n.js (`<vocabulary>_<code>`).
const SOURCE_VALUES = { connectChannel: "connectChannel", initiationMethod: "initiation", kind: "sourceKind" };

export function renderSource(incident) {
  const all = { ...(incident.source || {}) };
  if (incident.contactId) all.contactId = incident.contactId;
  const known = SOURCE_KEYS.filter((key) => all[key]).map((key) => [key, all[key]]);
  const attributes = Object.entries(all).filter(([key]) => key.startsWith("attribute."));
  const other = Object.entries(all).filter(([key]) => !SOURCE_KEYS.includes(key) && !key.startsWith("attribute."));
  const value = (key, raw) => {
    if (key === "languageCode") return languageName(raw);
    const vocabulary = SOURCE_VALUES[key];
    return vocabulary && has(`${vocabulary}_${raw}`) ? `${t(`${vocabulary}_${raw}`)}` : raw;
  };
  const entry = (key, label, shown, raw) => [
    h("dt", { title: raw ? t("sourceOther") : key, class: raw ? "raw" : null }, label),
    h("dd", { dataset: { source: key }, class: raw ? "raw" : null }, shown),
  ];
  const attributeLabel = (name) => (has(`attribute_${name}`) ? t(`attribute_${name}`) : t("attributeLabel", { name }));
  replace(
    $("#detail-source"),
    known.map(([key, v]) => entry(key, t(`source_${key}`), value(key, v), false)),
    attributes.map(([key, v]) => {
      const name = key.slice("attribute.".length);
      return entry(key, attributeLabel(name), name === "language" ? languageName(v) : v, false);
    }),
    other.map(([key, v]) => entry(key, [h("code", {}, key), h("span", { class: "visually-hidden" }, ` (${t("sourceOther")})`)], v, true)),
  );
  show($("#source-block"), known.length + attributes.length + other.length > 0);
}
