// The verify form's posts: for each agency type checked, the posts the verification would go to, by name
// (GET /agencies/suggestion: those covering the kecamatan, else the type's regency-level ones), each with
// its number to phone it and what to know (a placeholder contact, off duty, regency-level). The operator
// unticks one to leave it out and adds any other post of a checked type; once they have, the suggestion
// no longer changes the list (a type checked later still gets its posts). The kecamatan the suggestion
// found from the point fills the form's district when the operator has given none.
import { $, h, replace, show } from "./dom.js";
import { t, onLanguageChange } from "./i18n.js";

export class VerifyPosts {
  /** `onDistrict(name)`: the kecamatan the point lies in, for a form with none. */
  constructor({ api, book, store, announce, onDistrict }) {
    this.api = api;
    this.book = book;
    this.store = store;
    this.announce = announce;
    this.onDistrict = onDistrict;
    this.reset();
    $("#verify-post-options").addEventListener("change", (event) => {
      const input = event.target.closest("input[data-post]");
      if (!input) return;
      const post = this.items.find((item) => item.id === input.dataset.post);
      if (post) post.chosen = input.checked;
      this.touched = true;
      this.render();
    });
    $("#verify-post-add-button").addEventListener("click", () => this.add($("#verify-post-add").value));
    $("#verify-post-add").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.ctrlKey) {
        event.preventDefault();
        this.add(event.target.value);
      }
    });
    book.onChange(() => this.render());
    onLanguageChange(() => this.render());
  }

  reset() {
    this.items = []; // {id, name, agency, chosen, placeholder, onDuty, regencyLevel, fallback, sms}
    this.touched = false; // the operator ticked, unticked or added a post
    this.known = false; // the list holds a suggestion or the operator's choice: send it
    this.note = null; // what the hint says: {district, fromPoint, approximate, unavailable, failed}
    this.types = [];
    this.seq = 0;
    if (this.store) this.render();
  }

  /** Ask again which posts a verification of these types in this kecamatan (or at this point) goes to. */
  async suggest({ agencies, district, point }) {
    const seq = ++this.seq;
    this.types = agencies;
    if (!agencies.length) {
      this.items = this.items.filter((item) => agencies.includes(item.agency));
      this.note = null;
      this.render();
      return;
    }
    let answer;
    try {
      answer = await this.api.suggestion({ agencies, district, lat: district ? null : point?.lat, lon: district ? null : point?.lon });
    } catch {
      if (seq !== this.seq) return;
      this.note = { failed: true };
      this.render();
      return;
    }
    if (seq !== this.seq || !["verify", "update"].includes(this.store.form)) return; // a later question, or the form is gone
    if (!district && answer.district && answer.districtFromPoint) this.onDistrict(answer.district);
    this.note = {
      district: answer.district,
      fromPoint: answer.districtFromPoint,
      approximate: answer.boundariesApproximate,
      unavailable: answer.directoryUnavailable,
    };
    const suggested = answer.agencies.flatMap((agency) =>
      agency.posts.map((post) => ({ ...post, agency: agency.code, fallback: agency.fallback, chosen: true })),
    );
    if (!this.touched) {
      this.items = suggested;
    } else {
      // The operator's list stands; a type with none of its posts listed yet gets the suggested ones.
      const kept = this.items.filter((item) => agencies.includes(item.agency));
      const listed = new Set(kept.map((item) => item.agency));
      this.items = [...kept, ...suggested.filter((post) => !listed.has(post.agency))];
    }
    this.known = true;
    this.render();
  }

  add(id) {
    if (!id || this.items.some((item) => item.id === id)) return;
    const post = this.book.posts.get(id);
    if (!post) return;
    this.items.push({
      id,
      name: post.name,
      agency: post.agency,
      chosen: true,
      placeholder: post.placeholder,
      onDuty: null, // the suggestion knows; a post added by hand is shown without it
      regencyLevel: post.regencyLevel,
      fallback: false,
      sms: post.contacts?.sms || [],
    });
    this.touched = true;
    this.known = true;
    this.render();
    this.announce(t("postAdded", { post: post.name }));
    $(`#verify-post-${CSS.escape(id)}`)?.focus();
  }

  /** The post ids to send, or null: nothing suggested or chosen yet (the API then suggests itself). */
  chosen() {
    return this.known ? this.items.filter((item) => item.chosen).map((item) => item.id) : null;
  }

  chosenNames() {
    return this.items.filter((item) => item.chosen).map((item) => item.name);
  }

  values() {
    return { items: this.items.map((item) => ({ ...item })), touched: this.touched, known: this.known, note: this.note, types: [...this.types] };
  }

  apply(values) {
    this.seq += 1; // an answer still on its way is for the form as it was
    this.items = (values?.items || []).map((item) => ({ ...item }));
    this.touched = Boolean(values?.touched);
    this.known = Boolean(values?.known);
    this.note = values?.note || null;
    this.types = values?.types || [];
    this.render();
  }

  hint() {
    const note = this.note;
    if (!this.types.length) return t("postsHintNoAgency");
    if (!note) return t("postsHintWaiting");
    if (note.failed) return t("postsHintFailed");
    if (note.unavailable) return t("postsHintUnavailable");
    const where = note.district
      ? t(note.fromPoint ? (note.approximate ? "postsForPointApprox" : "postsForPoint") : "postsForDistrict", { district: note.district })
      : t("postsNoDistrict");
    return this.touched ? `${where} ${t("postsTouched")}` : where;
  }

  render() {
    show($("#verify-posts"), this.types.length > 0); // nothing to show before an agency is ticked
    $("#verify-posts-hint").textContent = this.hint();
    replace(
      $("#verify-post-options"),
      this.items.length
        ? this.items.map((item) => this.row(item))
        : h("li", { class: "hint" }, this.types.length && this.note && !this.note.failed ? t("noPostSuggested") : ""),
    );
    const listed = new Set(this.items.map((item) => item.id));
    const groups = this.types
      .map((code) => ({ code, posts: this.book.postsOf(code).filter((post) => !listed.has(post.id)) }))
      .filter((group) => group.posts.length);
    replace(
      $("#verify-post-add"),
      h("option", { value: "" }, t("choosePost")),
      groups.map((group) => h("optgroup", { label: this.book.typeName(group.code) }, group.posts.map((post) => h("option", { value: post.id }, post.name)))),
    );
    $("#verify-post-add").disabled = groups.length === 0;
    $("#verify-post-add-button").disabled = groups.length === 0;
  }

  row(item) {
    const id = `verify-post-${item.id}`;
    const notes = [
      item.placeholder ? h("span", { class: "tag placeholder" }, t("placeholderTag")) : null,
      item.onDuty === false ? h("span", { class: "tag off-duty" }, t("offDutyTag")) : null,
      item.regencyLevel && item.fallback ? h("span", { class: "tag" }, t("regencyLevelTag")) : null,
    ];
    return h(
      "li",
      { dataset: { post: item.id, agency: item.agency } },
      h("input", { type: "checkbox", id, checked: item.chosen, dataset: { post: item.id } }),
      " ",
      h("label", { for: id }, h("strong", {}, item.name), " ", h("span", { class: "hint" }, this.book.typeName(item.agency))),
      " ",
      notes,
      item.sms?.length ? h("span", { class: "phone hint" }, item.sms.join(", ")) : null,
    );
  }
}
