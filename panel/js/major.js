// A supervisor's major incidents (docs/api.md#major-incidents): while one is active every 112 caller hears
// its message before the queue, and the workspace shows a banner over the open incident with a one-key
// attach of that incident to the major incident's parent (Shift+A, through related.js's attach). A
// supervisor declares one from the open incident (Shift+M: the parent is the open incident, the area its
// kecamatan or a radius around its point, the message prefilled in Bahasa Indonesia) and ends it, with a
// reason, from the same key on the parent or from the banner. GET /major-incidents is read when the
// workspace starts, when an incident opens and after a declaration or an end: it adds no poll.
import { $, h, replace, show } from "./dom.js";
import { t, tIn, onLanguageChange } from "./i18n.js";
import { ApiError } from "./api.js";
import { closeDialog, openDialog } from "./dialogs.js";
import { fieldError, focusFirstInvalid, resetErrors, serverFieldErrors } from "./form-errors.js";

const ATTACHABLE = ["RECEIVED", "IN_REVIEW"];
const DECLARABLE = ["IN_REVIEW", "VERIFIED", "DISPATCHED", "ACKNOWLEDGED"];
const SPEAKABLE = /^[\p{L}\p{N}\s.,;:!?'"()/%+\-_]*$/u;
// What callers hear, in Bahasa Indonesia whatever the panel's language (the supervisor completes it).
const TEMPLATE = "Kami sudah menerima laporan {what} di {where}. Petugas sedang menuju lokasi. Jika Anda melaporkan kejadian lain, tetap di saluran.";

export class MajorIncidents {
  constructor({ store, api, related, districts, messages, conflicts, announce }) {
    Object.assign(this, { store, api, related, districts, messages, conflicts, announce });
    this.items = [];
    this.mode = null; // "declare" | "end", while the dialog is open
    this.ending = null; // the declaration the dialog ends
    this.request = 0;
    $("#major-list").addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      if (button.dataset.attach) return this.related.attach(button.dataset.attach);
      if (button.dataset.open) return this.related.incidentView.open(button.dataset.open);
      if (button.dataset.end) return this.openEnd(this.items.find((item) => item.id === button.dataset.end));
    });
    $("#major-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    for (const id of ["#major-area-district", "#major-area-circle"]) $(id).addEventListener("change", () => this.fillMessage());
    $("#major-district").addEventListener("change", () => this.fillMessage());
    store.on("incident", ({ id }) => {
      if (id) this.load();
      this.render();
    });
    store.on("detail", () => this.render());
    onLanguageChange(() => this.render());
  }

  async load() {
    const request = ++this.request;
    try {
      const active = await this.api.get("/major-incidents");
      if (request !== this.request) return;
      this.items = active.items || [];
    } catch {
      return; // the banner keeps what it last knew; the next incident opened reads again
    }
    this.render();
  }

  /** The major incident the open incident would join: the one its suggestions put first, else the newest. */
  target() {
    const incident = this.store.incident;
    if (!incident || !ATTACHABLE.includes(incident.status)) return null;
    const suggested = this.related.related?.items?.find((item) => item.majorIncidentId);
    const active = this.items.filter((item) => item.parentId !== incident.id);
    return active.find((item) => item.id === suggested?.majorIncidentId) || active[0] || null;
  }

  /** Shift+A: attach the open incident to the major incident's parent. */
  attachOpen() {
    const target = this.target();
    if (!target) return this.announce(t("majorNothingToAttach"));
    return this.related.attach(target.parentId);
  }

  render() {
    show($("#major-banner"), this.items.length > 0);
    const target = this.target();
    const supervisor = this.store.isSupervisor;
    replace(
      $("#major-list"),
      this.items.map((item) => {
        const ref = `…${item.parentId.slice(-6)}`;
        const what = item.parentSummary || (item.parentCategory ? tIn("id", `category_${item.parentCategory}`) : ref);
        return h(
          "li",
          { dataset: { id: item.id } },
          h("span", {}, t("majorActive", { what, area: areaWords(item.area) })),
          h("button", { type: "button", class: "ghost small", dataset: { open: item.parentId } }, t("majorOpen", { ref })),
          target?.id === item.id ? h("button", { type: "button", class: "small primary", dataset: { attach: item.parentId } }, t("majorAttach", { ref })) : null,
          supervisor ? h("button", { type: "button", class: "ghost small", dataset: { end: item.id } }, t("majorEnd")) : null,
          h("span", { class: "major-message", lang: "id" }, `“${item.message}”`),
        );
      }),
    );
  }

  /** Shift+M (supervisors): end the major incident the open incident is the parent of, else declare one. */
  openDialog() {
    const incident = this.store.incident;
    if (!this.store.isSupervisor || !incident) return;
    const own = this.items.find((item) => item.parentId === incident.id);
    if (own) return this.openEnd(own);
    if (!DECLARABLE.includes(incident.status)) return this.announce(t("err_majorParent", { status: incident.status }));
    this.mode = "declare";
    this.ending = null;
    const form = $("#major-form");
    form.reset();
    resetErrors(form);
    const districts = [...new Set(this.districts())].sort();
    const own_district = incident.location?.district;
    replace($("#major-district"), districts.map((d) => h("option", { value: d, selected: d === own_district }, d)));
    if (!own_district && point(incident)) $("#major-area-circle").checked = true;
    this.fillMessage(true);
    this.showMode(incident.id);
    openDialog($("#major-dialog"), { focus: "#major-message" });
  }

  openEnd(item) {
    if (!this.store.isSupervisor || !item) return;
    this.mode = "end";
    this.ending = item;
    const form = $("#major-form");
    form.reset();
    resetErrors(form);
    this.showMode(item.parentId);
    openDialog($("#major-dialog"), { focus: "#major-reason" });
  }

  showMode(parentId) {
    const declare = this.mode === "declare";
    $("#major-title").textContent = t(declare ? "majorDeclareTitle" : "majorEndTitle");
    $("#major-submit").textContent = t(declare ? "submitDeclare" : "submitEndMajor");
    $("#major-parent").textContent = t("majorParent", { ref: `…${parentId.slice(-6)}` });
    show($("#major-declare-fields"), declare);
    show($("#major-end-fields"), !declare);
  }

  /** The template in Bahasa Indonesia, for the area chosen; a message the supervisor changed is kept. */
  fillMessage(fresh = false) {
    const field = $("#major-message");
    if (!fresh && field.dataset.template !== field.value) return;
    const incident = this.store.incident;
    const what = incident?.category ? tIn("id", `category_${incident.category}`).toLowerCase() : "keadaan darurat";
    const circle = $("#major-area-circle").checked;
    const where = circle ? "sekitar lokasi kejadian" : `Kecamatan ${$("#major-district").value || "ini"}`;
    field.value = TEMPLATE.replace("{what}", what).replace("{where}", where);
    field.dataset.template = field.value;
  }

  async submit() {
    const form = $("#major-form");
    const button = $("#major-submit");
    resetErrors(form);
    const body = this.mode === "declare" ? this.declaration() : this.endRequest();
    if (!body) return focusFirstInvalid(form);
    if (button.disabled) return;
    button.disabled = true;
    const dialog = $("#major-dialog");
    try {
      if (this.mode === "declare") {
        await this.api.post("/major-incidents", body);
      } else {
        await this.api.post(`/major-incidents/${encodeURIComponent(this.ending.id)}/end`, body);
      }
      const done = this.mode === "declare" ? "majorDeclared" : "majorEnded";
      closeDialog(dialog);
      this.messages.setNotice(() => t(done));
      this.announce(t(done));
      await this.load();
      await this.related.incidentView.refresh();
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        serverFieldErrors("major", error, { district: "district", radiusMeters: "radius", message: "message", reason: "reason" });
      } else {
        dialog.returnTo = null;
        closeDialog(dialog);
        await this.conflicts.explain(error);
        await this.load();
      }
    } finally {
      button.disabled = false;
    }
  }

  declaration() {
    const incident = this.store.incident;
    const message = $("#major-message").value.split(/\s+/).filter(Boolean).join(" ");
    let area;
    let valid = true;
    if ($("#major-area-circle").checked) {
      const radius = Number($("#major-radius").value);
      const at = point(incident);
      if (!at || !Number.isInteger(radius) || radius < 100 || radius > 20000) {
        fieldError("major", "radius", t("err_majorRadius"));
        valid = false;
      } else {
        area = { lat: at[0], lon: at[1], radiusMeters: radius };
      }
    } else if (!$("#major-district").value) {
      fieldError("major", "district", t("err_majorDistrict"));
      valid = false;
    } else {
      area = { district: $("#major-district").value };
    }
    if (message.length < 10 || message.length > 200 || !SPEAKABLE.test(message)) {
      fieldError("major", "message", t("err_majorMessage"));
      valid = false;
    }
    return valid && incident ? { parentId: incident.id, area, message } : null;
  }

  endRequest() {
    const reason = $("#major-reason").value.trim();
    if (reason.length < 3 || reason.length > 500) {
      fieldError("major", "reason", t("err_majorReason"));
      return null;
    }
    return { reason };
  }
}

function areaWords(area) {
  if (area.district) return `Kec. ${area.district}`;
  return `${area.radiusMeters} m`;
}

/** The incident's point: its location's, else its handset's. */
function point(incident) {
  if (incident?.location?.lat !== null && incident?.location?.lat !== undefined) return [incident.location.lat, incident.location.lon];
  if (incident?.aml) return [incident.aml.lat, incident.aml.lon];
  return null;
}
