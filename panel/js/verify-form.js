// The verify (A1) form: category, priority, where (district, address, a point picked on the map or the
// handset's AML fix), a summary, the agency types to dispatch, checked from the directory's routing by
// category until the operator touches them, and their posts (verify-posts.js), suggested for the
// kecamatan. A point without a kecamatan gets the one it lies in, which the operator may change. Checked
// here as the API checks, then sent through forms.js.
import { $, $$, h, replace, show } from "./dom.js";
import { t, term, lang, onLanguageChange } from "./i18n.js";
import { coord } from "./format.js";
import { OPEN_STATUSES } from "./polling.js";
import { agencyName } from "./incident-words.js";
import { fieldError, focusFirstInvalid, resetErrors } from "./form-errors.js";
import { VerifyPosts } from "./verify-posts.js";

const CATEGORIES = ["FIRE", "CRIME", "MEDICAL", "TRAFFIC_ACCIDENT", "DISASTER", "RESCUE", "OTHER"];

export class VerifyForm {
  constructor({ store, forms, messages, lists, incidentView, map, config, api, book, announce }) {
    this.name = "verify";
    this.element = $("#verify-form");
    this.store = store;
    this.forms = forms;
    this.messages = messages;
    this.lists = lists;
    this.incidentView = incidentView;
    this.map = map;
    this.config = config;
    this.api = api;
    this.announce = announce;
    this.book = book;
    this.point = null; // {lat, lon}: where the operator says it is
    this.agenciesTouched = false; // once touched, the category no longer checks agencies
    this.districtAuto = false; // the district was filled from the point (the next point may change it)
    this.posts = new VerifyPosts({
      api,
      book,
      store,
      announce,
      onDistrict: (district) => {
        if ($("#verify-district").value) return;
        $("#verify-district").value = district;
        this.districtAuto = true;
        this.announce(t("districtFromPoint", { district }));
      },
    });
    this.fillOptions(true);
    $("#verify-category").addEventListener("change", () => {
      if (!this.agenciesTouched) this.checkAgencies(this.book.routing($("#verify-category").value, this.config.routing));
      this.suggest();
    });
    $("#verify-agency-options").addEventListener("change", () => {
      this.agenciesTouched = true;
      this.suggest();
    });
    $("#verify-district").addEventListener("change", () => {
      this.districtAuto = false;
      this.suggest();
    });
    book.onChange(() => this.fillOptions(false));
    $("#verify-clear-point").addEventListener("click", () => this.clearPoint());
    $("#verify-use-aml").addEventListener("click", () => this.useAml());
    this.element.addEventListener("submit", (e) => this.submit(e));
    // An AML fix may arrive while the form is open: its button shows then.
    store.on("detail", ({ incident }) => show($("#verify-use-aml"), Boolean(incident.aml)));
    onLanguageChange(() => {
      this.fillOptions(false);
      this.renderPoint();
    });
    forms.add(this);
  }

  fillOptions(first) {
    const category = $("#verify-category");
    const chosen = category.value;
    replace(category, h("option", { value: "" }, t("chooseCategory")), CATEGORIES.map((c) => h("option", { value: c }, term("category", c))));
    category.value = chosen;
    const district = $("#verify-district");
    if (first) {
      replace(district, h("option", { value: "" }, t("chooseDistrict")), this.config.regency.districts.map((d) => h("option", { value: d }, d)));
    } else {
      district.options[0].textContent = t("chooseDistrict");
    }
    const priorities = this.config.priorities || ["P1", "P2", "P3"];
    const checkedPriority = $("#verify-priority-options input:checked")?.value;
    replace(
      $("#verify-priority-options"),
      priorities.map((p) =>
        h("label", { class: `option priority-${p}` }, h("input", { type: "radio", name: "priority", value: p, id: `verify-priority-${p}`, checked: p === checkedPriority }), " ", term("priority", p)),
      ),
    );
    const checkedAgencies = new Set($$("#verify-agency-options input:checked").map((i) => i.value));
    const wasOpen = Boolean($("#verify-agency-more")?.open);
    const option = (a) =>
      h(
        "label",
        { class: "option" },
        h("input", { type: "checkbox", name: "agencies", value: a.code, id: `verify-agency-${a.code}`, checked: checkedAgencies.has(a.code) }),
        " ",
        lang() === "en" ? a.nameEn : a.nameId,
      );
    // The emergency services (suggested for some category) in view; the others (Satpol PP, PLN, …) one
    // key away, so that the form still fits beside the report at 1366x768.
    const types = this.book.activeTypes();
    const primary = types.filter((a) => (a.categories || []).length);
    const others = types.filter((a) => !(a.categories || []).length);
    const shown = primary.length ? primary : others;
    const more = primary.length ? others : [];
    replace(
      $("#verify-agency-options"),
      shown.map(option),
      more.length
        ? h(
            "details",
            { id: "verify-agency-more", class: "more-agencies", open: wasOpen || more.some((a) => checkedAgencies.has(a.code)) },
            h("summary", {}, t("moreAgencies", { count: more.length })),
            h("div", { class: "options" }, more.map(option)),
          )
        : null,
    );
  }

  checkAgencies(codes) {
    for (const input of $$("#verify-agency-options input")) input.checked = codes.includes(input.value);
    const more = $("#verify-agency-more");
    if (more && $$("input:checked", more).length) more.open = true;
  }

  /** The checked agency types, the district and the point: what the posts are suggested for. */
  suggest() {
    const agencies = $$("#verify-agency-options input:checked").map((i) => i.value);
    return this.posts.suggest({ agencies, district: $("#verify-district").value, point: this.point });
  }

  /** Its heading and button: verify (A1), or the update of a verified incident (amend.js). */
  words(kind) {
    const [title, submit] = kind === "update" ? ["updateTitle", "submitUpdate"] : ["verifyTitle", "submitVerify"];
    for (const [id, key] of [["#verify-title", title], ["#verify-submit", submit]]) {
      $(id).dataset.i18n = key;
      $(id).textContent = t(key);
    }
  }

  /** The form as the incident says so far: its location, its summary, the point it has. */
  prepare(incident) {
    this.words("verify");
    this.agenciesTouched = false;
    this.districtAuto = false;
    this.posts.reset();
    this.book.load().catch(() => null); // a post added or renumbered since: the form offers it as it is
    this.checkAgencies([]);
    const loc = incident.location || {};
    $("#verify-district").value = loc.district || "";
    $("#verify-address").value = loc.address || "";
    $("#verify-summary").value = incident.summary || "";
    if (!this.point && loc.lat != null) this.point = { lat: loc.lat, lon: loc.lon };
    show($("#verify-use-aml"), Boolean(incident.aml));
    this.renderPoint();
    this.map.setPoint(this.point);
    this.map.invalidate();
  }

  /** What the form holds now: its fields and the chosen point. */
  values() {
    return {
      category: $("#verify-category").value,
      priority: $("#verify-priority-options input:checked")?.value || "",
      district: $("#verify-district").value,
      address: $("#verify-address").value,
      summary: $("#verify-summary").value,
      agencies: $$("#verify-agency-options input:checked").map((i) => i.value),
      agenciesTouched: this.agenciesTouched,
      districtAuto: this.districtAuto,
      posts: this.posts.values(),
      point: this.point ? { ...this.point } : null,
    };
  }

  apply(values) {
    $("#verify-category").value = values.category;
    for (const input of $$("#verify-priority-options input")) input.checked = input.value === values.priority;
    $("#verify-district").value = values.district;
    $("#verify-address").value = values.address;
    $("#verify-summary").value = values.summary;
    this.checkAgencies(values.agencies);
    this.agenciesTouched = values.agenciesTouched;
    this.districtAuto = Boolean(values.districtAuto);
    this.posts.apply(values.posts);
    this.point = values.point ? { ...values.point } : null;
    this.renderPoint();
    this.map.setPoint(this.point);
  }

  /** The incident is left or done: its point goes with it. */
  forget() {
    this.point = null;
    this.map.setPoint(null);
  }

  /** The form is open to change: on one's own review, or as the update of a verified incident. */
  editing() {
    return this.store.canReview() || this.store.form === "update";
  }

  pick(lat, lon, fromMap = false) {
    if (!this.editing()) return;
    this.point = lat == null ? null : { lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6 };
    this.map.setPoint(this.point);
    this.renderPoint();
    if (this.point) $("#verify-location-error").textContent = "";
    if (fromMap && this.point) this.announce(t("pointSet", { point: `${coord(this.point.lat)}, ${coord(this.point.lon)}` }));
    if (this.districtAuto) {
      // The kecamatan came from the last point, not from the operator: the new point says it again.
      $("#verify-district").value = "";
      this.districtAuto = false;
    }
    if (this.point && ["verify", "update"].includes(this.store.form)) this.suggest();
  }

  clearPoint() {
    if (!this.editing() || !this.point) return;
    this.pick(null);
    this.announce(t("pointCleared"));
  }

  /** The handset's AML fix as the point (the form opens for it if it is not open). */
  useAml() {
    const incident = this.store.incident;
    if (!incident) return;
    if (!this.editing()) return this.forms.sayWhyNot(incident);
    const aml = incident.aml;
    if (!aml) {
      this.messages.setNotice(() => t("noAml"));
      this.announce(t("noAml"));
      return;
    }
    if (!["verify", "update"].includes(this.store.form)) this.forms.open("verify", { focus: false });
    this.pick(aml.lat, aml.lon);
    this.announce(t("pointSet", { point: `${coord(this.point.lat)}, ${coord(this.point.lon)}` }));
  }

  renderPoint() {
    $("#verify-point").textContent = this.point ? `${coord(this.point.lat)}, ${coord(this.point.lon)}` : t("noPoint");
    show($("#verify-clear-point"), Boolean(this.point));
  }

  async submit(event) {
    event.preventDefault();
    const form = this.element;
    resetErrors(form);
    const category = $("#verify-category").value;
    const priority = $("#verify-priority-options input:checked")?.value;
    const district = $("#verify-district").value;
    const address = $("#verify-address").value.trim();
    const summary = $("#verify-summary").value.trim();
    const agencies = $$("#verify-agency-options input:checked").map((i) => i.value);
    let invalid = false;
    const fail = (field, key) => {
      invalid = true;
      fieldError("verify", field, t(key));
    };
    if (!category) fail("category", "err_category");
    if (!priority) fail("priority", "err_priority");
    if (address && (address.length < 3 || address.length > 500)) fail("address", "err_address");
    const addressOk = address.length >= 3 && address.length <= 500;
    if (!district && !addressOk && !this.point) fail("location", "err_location");
    if (summary.length < 3 || summary.length > 2000) fail("summary", "err_summary");
    if (!agencies.length) fail("agencies", "err_agencies");
    if (invalid) return focusFirstInvalid(form);
    const location = {};
    if (district) location.district = district;
    if (addressOk) location.address = address;
    if (this.point) Object.assign(location, this.point);
    const posts = this.posts.chosen();
    const body = { category, priority, location, summary, agencies, ...(posts ? { posts } : {}) };
    const incident = this.store.incident;
    const postNames = this.posts.chosenNames();
    // The same form corrects a verified incident (amend.js): the same body, to POST /update.
    const action = this.store.form === "update" ? "update" : "verify";
    await this.forms.send(form, async () => {
      await this.api.act(incident.id, action, body);
      this.forms.finish(incident.id);
      const names = agencies.map((a) => agencyName(this.book.list, a)).join(", ");
      const said =
        action === "update"
          ? () => t("updated")
          : () => (posts && posts.length ? t("verifiedPosts", { agencies: names, posts: postNames.join(", ") }) : t("verified", { agencies: names }));
      this.messages.setNotice(said);
      this.announce(said());
      this.lists.refreshSoon(...OPEN_STATUSES);
      await this.incidentView.refresh();
      $("#detail-heading").focus();
    }, { summary: "summary", category: "category", priority: "priority", agencies: "agencies", posts: "posts", address: "address", district: "location", lat: "location", lon: "location", location: "location" });
  }
}
