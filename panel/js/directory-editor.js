// The directory screen's forms: a post (name, the kecamatan it covers, contacts, the HTTPS endpoint and its
// secret, the escalation contact, duty hours, note) and an agency type (names, the categories it is
// suggested for). An admin changes them, with why; everyone else reads them, the fields disabled. A change
// names the version it was read at: a change made meanwhile is a 409, said in words, the input kept.
// Numbers and addresses are one a line; duty hours a window a line, "MON-FRI 07:30-15:30".
import { $, $$, h, replace, show } from "./dom.js";
import { t, term } from "./i18n.js";
import { ApiError } from "./api.js";
import { describeError } from "./errors.js";
import { messageNodes } from "./messages.js";
import { fieldError, resetErrors } from "./form-errors.js";
import { dateTime } from "./format.js";
import { actorName } from "./incident-words.js";
import { isPlaceholder } from "./agencies.js";

const CATEGORIES = ["FIRE", "CRIME", "MEDICAL", "TRAFFIC_ACCIDENT", "DISASTER", "RESCUE", "OTHER"];
const DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
// Indonesian day abbreviations, read as the API's codes.
const DAY_ALIASES = { SEN: "MON", SEL: "TUE", RAB: "WED", KAM: "THU", JUM: "FRI", SAB: "SAT", MIN: "SUN" };
const POST_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const TYPE_CODE = /^[A-Z][A-Z0-9_]{1,31}$/;
// Where an API field error goes in the post form (the loc joined without "body" and list indexes).
const POST_FIELDS = {
  name: "name",
  agency: "agency",
  id: "id",
  districts: "districts",
  regencyLevel: "districts",
  contacts: "sms",
  "contacts.sms": "sms",
  "contacts.emails": "emails",
  "contacts.https": "https-url",
  "contacts.https.url": "https-url",
  "contacts.https.secret": "https-secret",
  escalation: "escalation-name",
  "escalation.name": "escalation-name",
  "escalation.sms": "escalation-sms",
  "escalation.emails": "escalation-emails",
  duty: "duty",
  note: "note",
  reason: "reason",
  version: "reason",
};
const TYPE_FIELDS = { code: "code", nameId: "name-id", nameEn: "name-en", categories: "categories", reason: "reason", version: "reason" };

function lines(text) {
  return text
    .split(/[\n,;]+/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/** "MON-FRI 07:30-15:30" (a window a line; days as codes, ranges or SEN…MIN) → the API's windows. A line
 * that is none throws an Error naming it. */
export function parseWindows(text) {
  const clock = (value) => value.replace(".", ":").padStart(5, "0");
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const match = /^([A-Za-z ,\-–]+?)\s+(\d{1,2}[.:]\d{2})\s*[-–]\s*(\d{1,2}[.:]\d{2})$/.exec(line);
      if (!match) throw new Error(line);
      const days = [];
      for (const part of match[1].toUpperCase().split(/[\s,]+/).filter(Boolean)) {
        const [from, to] = part.split(/[-–]/).map((day) => DAY_ALIASES[day] || day);
        if (!DAYS.includes(from) || (to && !DAYS.includes(to))) throw new Error(line);
        const end = to ? DAYS.indexOf(to) : DAYS.indexOf(from);
        for (let i = DAYS.indexOf(from); ; i = (i + 1) % 7) {
          if (!days.includes(DAYS[i])) days.push(DAYS[i]);
          if (i === end) break;
        }
      }
      return { days, start: clock(match[2]), end: clock(match[3]) };
    });
}

export function windowsText(windows) {
  return (windows || []).map((w) => `${w.days.join(",")} ${w.start}-${w.end}`).join("\n");
}

/** A shared secret for an HTTPS endpoint: 32 random bytes, base64url (43 characters). */
function newSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export class DirectoryEditor {
  /** `saved(entry, kind)`: a change went through (the screen reloads and says so). */
  constructor({ api, book, announce, saved }) {
    this.api = api;
    this.book = book;
    this.announce = announce;
    this.saved = saved;
    this.admin = false;
    this.kind = null; // "posts" | "types": what is open
    this.entry = null; // as the API answered it (null: a new one)
    $("#post-form").addEventListener("submit", (event) => this.submit(event, "posts"));
    $("#type-form").addEventListener("submit", (event) => this.submit(event, "types"));
    $("#post-deactivate").addEventListener("click", () => this.deactivate("posts"));
    $("#type-deactivate").addEventListener("click", () => this.deactivate("types"));
    $("#post-https-generate").addEventListener("click", () => {
      const input = $("#post-https-secret");
      input.value = newSecret();
      input.type = "text"; // shown once, to be given to the agency; never shown again after saving
      input.focus();
      input.select();
      this.announce(t("secretGenerated"));
    });
    $("#post-duty-always").addEventListener("change", () => this.dutyShown());
    for (const button of $$("[data-close-entry]")) button.addEventListener("click", () => this.close(true));
  }

  setAdmin(admin) {
    this.admin = admin;
  }

  get open() {
    return this.kind !== null;
  }

  fillChoices() {
    replace(
      $("#post-district-options"),
      this.book.districts.map((district) =>
        h("label", { class: "option" }, h("input", { type: "checkbox", name: "districts", value: district, id: `post-district-${district}` }), " ", district),
      ),
    );
    replace($("#post-agency"), this.book.types.map((type) => h("option", { value: type.code }, `${this.book.typeName(type.code)} (${type.code})`)));
    replace(
      $("#type-category-options"),
      CATEGORIES.map((category) => h("label", { class: "option" }, h("input", { type: "checkbox", name: "categories", value: category, id: `type-category-${category}` }), " ", term("category", category))),
    );
  }

  // -- opening --------------------------------------------------------------------------------------

  async openPost(id, { agency = null } = {}) {
    this.kind = "posts";
    this.entry = id ? await this.api.entry("posts", id) : null;
    this.fillChoices();
    const form = $("#post-form");
    form.reset();
    resetErrors(form);
    const post = this.entry;
    $("#post-title").textContent = post ? post.name : t("newPost");
    show($("#post-id-field"), !post);
    show($("#post-agency-field"), !post);
    $("#post-agency").value = agency || this.book.types[0]?.code || "";
    $("#post-facts").textContent = post ? t("postFacts", { id: post.id, type: this.book.typeName(post.agency), version: post.version }) : "";
    $("#post-name").value = post?.name || "";
    for (const input of $$("#post-district-options input")) input.checked = Boolean(post?.districts.includes(input.value));
    $("#post-regency-level").checked = Boolean(post?.regencyLevel);
    $("#post-sms").value = (post?.contacts.sms || []).join("\n");
    $("#post-emails").value = (post?.contacts.emails || []).join("\n");
    $("#post-https-url").value = post?.contacts.https?.url || "";
    $("#post-https-secret").value = "";
    $("#post-https-secret").type = "password";
    $("#post-https-state").textContent = post?.contacts.https?.secretSetAt ? t("secretSetAt", { time: dateTime(post.contacts.https.secretSetAt) }) : t("secretNone");
    $("#post-escalation-name").value = post?.escalation?.name || "";
    $("#post-escalation-sms").value = (post?.escalation?.sms || []).join("\n");
    $("#post-escalation-emails").value = (post?.escalation?.emails || []).join("\n");
    $("#post-duty-always").checked = post ? post.duty.always : true;
    $("#post-duty-windows").value = windowsText(post?.duty.windows);
    $("#post-note").value = post?.note || "";
    $("#post-active").checked = post ? post.active : true;
    this.placeholders(post);
    this.dutyShown();
    this.editable(form, "post");
    show($("#type-form"), false);
    show(form);
    this.history(post);
    (post ? $("#post-name") : $("#post-id")).focus();
  }

  async openType(code) {
    this.kind = "types";
    this.entry = code ? await this.api.entry("types", code) : null;
    this.fillChoices();
    const form = $("#type-form");
    form.reset();
    resetErrors(form);
    const type = this.entry;
    $("#type-title").textContent = type ? `${this.book.typeName(type.code)} (${type.code})` : t("newType");
    show($("#type-code-field"), !type);
    $("#type-name-id").value = type?.nameId || "";
    $("#type-name-en").value = type?.nameEn || "";
    for (const input of $$("#type-category-options input")) input.checked = Boolean(type?.categories.includes(input.value));
    $("#type-active").checked = type ? type.active : true;
    this.editable(form, "type");
    show($("#post-form"), false);
    show(form);
    this.history(type);
    (type ? $("#type-name-id") : $("#type-code")).focus();
  }

  /** Admins edit; others read the same fields, disabled, without the buttons that change. */
  editable(form, which) {
    $(`#${which}-fields`).disabled = !this.admin;
    show($(`#${which}-save`), this.admin);
    show($(`#${which}-deactivate`), this.admin && Boolean(this.entry?.active));
    show($(`#${which}-reason-field`), this.admin);
    show($("#post-https-generate"), this.admin);
    replace($(`#${which}-error`));
  }

  placeholders(post) {
    const found = post
      ? [...post.contacts.sms, ...post.contacts.emails, post.contacts.https?.url, ...(post.escalation?.sms || []), ...(post.escalation?.emails || [])].filter((c) => c && isPlaceholder(c))
      : [];
    show($("#post-placeholder"), found.length > 0);
    $("#post-placeholder").textContent = found.length ? t("placeholderWarning", { contacts: found.join(", ") }) : "";
  }

  dutyShown() {
    show($("#post-duty-windows-field"), !$("#post-duty-always").checked);
  }

  history(entry) {
    show($("#entry-history"), Boolean(entry));
    replace(
      $("#entry-history-list"),
      (entry?.history || []).map((change) =>
        h(
          "li",
          { dataset: { action: change.action } },
          h("time", { datetime: change.at }, dateTime(change.at)),
          " ",
          h("strong", {}, term("change", change.action)),
          " · ",
          h("span", { class: "actor" }, actorName(change.actor)),
          " · ",
          t("versionN", { version: change.version }),
          h("span", { class: "details" }, change.reason),
          change.secretChanged ? h("span", { class: "details" }, t("secretChanged")) : null,
        ),
      ),
    );
  }

  close(focusBack) {
    const kind = this.kind;
    const key = this.entry ? this.entry.id || this.entry.code : null;
    this.kind = null;
    this.entry = null;
    show($("#post-form"), false);
    show($("#type-form"), false);
    show($("#entry-history"), false);
    if (focusBack) {
      const row = key && $(`#directory-list [data-${kind === "types" ? "type" : "post"}="${CSS.escape(key)}"]`);
      (row || $("#directory-heading")).focus();
    }
  }

  // -- changing -------------------------------------------------------------------------------------

  postBody() {
    const https = $("#post-https-url").value.trim();
    const secret = $("#post-https-secret").value.trim();
    const always = $("#post-duty-always").checked;
    let windows = [];
    if (!always) {
      try {
        windows = parseWindows($("#post-duty-windows").value);
      } catch (error) {
        throw { field: "duty-windows", key: "err_dutyWindow", line: error.message };
      }
    }
    const escalationSms = lines($("#post-escalation-sms").value);
    const escalationEmails = lines($("#post-escalation-emails").value);
    const escalationName = $("#post-escalation-name").value.trim();
    return {
      name: $("#post-name").value.trim(),
      districts: $$("#post-district-options input:checked").map((input) => input.value),
      regencyLevel: $("#post-regency-level").checked,
      contacts: {
        sms: lines($("#post-sms").value),
        emails: lines($("#post-emails").value),
        https: https ? { url: https, ...(secret ? { secret } : {}) } : null,
      },
      escalation: escalationName || escalationSms.length || escalationEmails.length ? { name: escalationName || null, sms: escalationSms, emails: escalationEmails } : null,
      duty: { always, windows },
      note: $("#post-note").value.trim() || null,
      reason: $("#post-reason").value.trim(),
    };
  }

  typeBody() {
    return {
      nameId: $("#type-name-id").value.trim(),
      nameEn: $("#type-name-en").value.trim(),
      categories: $$("#type-category-options input:checked").map((input) => input.value),
      reason: $("#type-reason").value.trim(),
    };
  }

  /** What the panel checks before sending (the API checks it all again). */
  check(kind, body) {
    const which = kind === "posts" ? "post" : "type";
    const problems = [];
    const fail = (field, key) => problems.push([field, key]);
    if (!this.entry) {
      if (kind === "posts" && !POST_ID.test($("#post-id").value.trim())) fail("id", "err_postId");
      if (kind === "types" && !TYPE_CODE.test($("#type-code").value.trim())) fail("code", "err_typeCode");
    }
    if (kind === "posts") {
      if (body.name.length < 2) fail("name", "err_postName");
      if (!body.districts.length && !body.regencyLevel) fail("districts", "err_postCoverage");
      if (!body.contacts.sms.length && !body.contacts.emails.length && !body.contacts.https) fail("sms", "err_postContacts");
      const secretNeeded = body.contacts.https && !body.contacts.https.secret && !this.entry?.contacts.https?.secretSetAt;
      if (secretNeeded) fail("https-secret", "err_secretNeeded");
      if (body.contacts.https?.secret && body.contacts.https.secret.length < 32) fail("https-secret", "err_secretShort");
    } else {
      if (body.nameId.length < 2) fail("name-id", "err_typeName");
      if (body.nameEn.length < 2) fail("name-en", "err_typeName");
    }
    if (body.reason.length < 3) fail("reason", "err_changeReason");
    for (const [field, key] of problems) fieldError(which, field, t(key));
    return problems.length === 0;
  }

  async submit(event, kind) {
    event.preventDefault();
    if (!this.admin) return;
    const which = kind === "posts" ? "post" : "type";
    const form = $(`#${which}-form`);
    resetErrors(form);
    let body;
    try {
      body = kind === "posts" ? this.postBody() : this.typeBody();
    } catch (problem) {
      fieldError(which, problem.field, { text: t(problem.key), detail: problem.line });
      return this.invalid(form, which);
    }
    if (!this.check(kind, body)) return this.invalid(form, which);
    const create = !this.entry;
    const key = create ? (kind === "posts" ? $("#post-id").value.trim() : $("#type-code").value.trim()) : this.entry.id || this.entry.code;
    if (create && kind === "posts") body.agency = $("#post-agency").value;
    if (!create) Object.assign(body, { version: this.entry.version, active: $(`#${which}-active`).checked });
    await this.send(form, which, async () => {
      const entry = await this.api.saveEntry(kind, key, body, create);
      await this.saved(entry, kind, create ? "created" : "saved");
    });
  }

  async deactivate(kind) {
    const which = kind === "posts" ? "post" : "type";
    const form = $(`#${which}-form`);
    resetErrors(form);
    const reason = $(`#${which}-reason`).value.trim();
    if (reason.length < 3) {
      fieldError(which, "reason", t("err_changeReason"));
      return this.invalid(form, which);
    }
    const entry = this.entry;
    await this.send(form, which, async () => {
      const changed = await this.api.deactivate(kind, entry.id || entry.code, entry.version, reason);
      await this.saved(changed, kind, "deactivated");
    });
  }

  invalid(form, which) {
    replace($(`#${which}-error`), messageNodes(t("formInvalid")));
    const first = form.querySelector('[aria-invalid="true"]');
    if (first) (first.matches("fieldset") ? first.querySelector("input") : first).focus();
  }

  async send(form, which, action) {
    const buttons = $$("button", form);
    for (const button of buttons) button.disabled = true;
    try {
      await action();
    } catch (error) {
      const fields = which === "post" ? POST_FIELDS : TYPE_FIELDS;
      if (error instanceof ApiError && error.status === 422) {
        const rest = [];
        for (const item of error.body.detail || []) {
          const path = (item.loc || []).filter((part) => part !== "body" && part !== "path" && typeof part === "string" && !/^\d+$/.test(part));
          const field = fields[path.join(".")] || fields[path[0]];
          if (field) fieldError(which, field, { text: t("fieldRefused"), detail: item.msg });
          else rest.push(`${path.join(".")}: ${item.msg}`);
        }
        replace($(`#${which}-error`), messageNodes({ text: t("formInvalidServer"), detail: rest.join("; ") || null }));
        const first = form.querySelector('[aria-invalid="true"]');
        if (first) (first.matches("fieldset") ? first.querySelector("input") : first).focus();
      } else if (error instanceof ApiError && error.status === 409) {
        replace($(`#${which}-error`), messageNodes({ text: t("entryConflict"), detail: error.serverMessage }));
        this.announce(t("entryConflict"));
        $(`#${which}-error`).focus();
      } else if (!(error instanceof ApiError && error.status === 401)) {
        replace($(`#${which}-error`), messageNodes(describeError(error)));
        this.announce(describeError(error).text);
      }
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }
}
