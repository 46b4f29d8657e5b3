// The agency directory screen (docs/decisions.md 45): every agency type with its posts, what each covers,
// its first number, placeholders and deactivated entries marked; a filter; the forms of directory-editor.js
// beside the list. Admins change entries; operators and supervisors read them (to phone a post). A user
// only in the admin group sees this screen and nothing else; the others come here with `d` or the top
// bar's button and go back to the incidents with Esc.
// Keys here: `/` the filter, Enter on a row opens it, Esc closes the form (then leaves), Ctrl+Enter saves.
import { $, h, replace, show, inFormControl } from "./dom.js";
import { t, onLanguageChange } from "./i18n.js";
import { describeError } from "./errors.js";
import { messageNodes } from "./messages.js";
import { DirectoryEditor } from "./directory-editor.js";
import { isPlaceholder } from "./agencies.js";

export class DirectoryScreen {
  /** `leave()`: back to the incidents (absent for a user who has none). */
  constructor({ api, book, announce }) {
    this.api = api;
    this.book = book;
    this.announce = announce;
    this.leave = null;
    this.editor = new DirectoryEditor({ api, book, announce, saved: (entry, kind, what) => this.saved(entry, kind, what) });
    $("#directory-filter").addEventListener("input", () => this.render());
    $("#directory-back").addEventListener("click", () => this.leave?.());
    $("#directory-new-type").addEventListener("click", () => this.editor.openType(null).catch((error) => this.failed(error)));
    $("#directory-list").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-post], button[data-type], button[data-new-post]");
      if (!button) return;
      const opening = button.dataset.newPost
        ? this.editor.openPost(null, { agency: button.dataset.newPost })
        : button.dataset.post
          ? this.editor.openPost(button.dataset.post)
          : this.editor.openType(button.dataset.type);
      opening.catch((error) => this.failed(error));
    });
    document.addEventListener("keydown", (event) => this.onKey(event));
    book.onChange(() => this.render());
    onLanguageChange(() => this.render());
  }

  get shown() {
    return !$("#directory-view").hidden;
  }

  /** Show the screen for this session: editing for admins, reading for the others. */
  async show(session, leave) {
    this.admin = session.groups.includes("admin");
    this.leave = leave;
    this.editor.setAdmin(this.admin);
    show($("#directory-back"), Boolean(leave));
    show($("#directory-new-type"), this.admin);
    $("#directory-intro").textContent = t(this.admin ? "directoryIntroAdmin" : "directoryIntroReader");
    show($("#directory-view"));
    $("#directory-heading").focus();
    await this.reload();
  }

  hide() {
    this.editor.close(false);
    show($("#directory-view"), false);
  }

  async reload() {
    try {
      await this.book.load();
      this.say(null);
    } catch (error) {
      this.failed(error);
    }
    this.render();
  }

  failed(error) {
    this.say(() => ({ ...describeError(error), alert: true }));
  }

  /** The screen's message: what just happened, or (alert) what went wrong. */
  say(message) {
    this.message = message;
    const el = $("#directory-message");
    const value = message ? message() : null;
    replace(el, value ? messageNodes(value) : null);
    el.setAttribute("role", value?.alert ? "alert" : "status");
    el.classList.toggle("alert", Boolean(value?.alert));
  }

  async saved(entry, kind, what) {
    const name = kind === "posts" ? entry.name : entry.code;
    await this.reload();
    this.say(() => t(`entry_${what}`, { name }));
    this.announce(t(`entry_${what}`, { name }));
    if (kind === "posts") await this.editor.openPost(entry.id);
    else await this.editor.openType(entry.code);
  }

  matches(post, filter) {
    if (!filter) return true;
    const text = [post.name, post.id, ...post.districts, ...(post.contacts?.sms || [])].join(" ").toLowerCase();
    return filter.split(/\s+/).every((word) => text.includes(word));
  }

  render() {
    if (!this.book.loaded) return;
    if (this.message) this.say(this.message);
    const filter = $("#directory-filter").value.trim().toLowerCase();
    const sections = this.book.types.map((type) => {
      const posts = (type.posts || []).filter((post) => this.matches(post, filter));
      if (filter && !posts.length) return null;
      return h(
        "section",
        { class: "directory-type", dataset: { code: type.code, active: String(type.active) } },
        h(
          "h3",
          {},
          h("button", { type: "button", class: "link", dataset: { type: type.code } }, `${this.book.typeName(type.code)} (${type.code})`),
          type.active ? null : h("span", { class: "tag" }, t("inactiveTag")),
        ),
        h("ul", { class: "directory-posts" }, posts.map((post) => this.row(post))),
        this.admin && type.active ? h("button", { type: "button", class: "small ghost", dataset: { newPost: type.code } }, t("newPostOf", { type: type.code })) : null,
      );
    });
    replace($("#directory-list"), sections.filter(Boolean).length ? sections : h("p", { class: "empty" }, t("directoryNothing")));
  }

  row(post) {
    const phone = post.contacts?.sms?.[0];
    const covers = post.districts.length ? post.districts.join(", ") : "";
    return h(
      "li",
      { dataset: { active: String(post.active) } },
      h(
        "button",
        { type: "button", class: "directory-row", dataset: { post: post.id } },
        h("strong", {}, post.name),
        h("span", { class: "covers" }, [covers, post.regencyLevel ? t("regencyLevelTag") : null].filter(Boolean).join(" · ")),
        phone ? h("span", { class: "phone", dataset: { placeholder: String(isPlaceholder(phone)) } }, phone) : null,
        post.placeholder ? h("span", { class: "tag placeholder" }, t("placeholderTag")) : null,
        post.active ? null : h("span", { class: "tag" }, t("inactiveTag")),
      ),
    );
  }

  onKey(event) {
    if (!this.shown || event.defaultPrevented) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const form = event.target.closest?.("form");
      if (form && !form.hidden) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      if (this.editor.open) this.editor.close(true);
      else this.leave?.();
      return;
    }
    if (inFormControl(event) || event.target.closest?.("form") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/") {
      event.preventDefault();
      $("#directory-filter").focus();
    }
  }
}
