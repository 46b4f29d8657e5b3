// The agency directory as the panel knows it (GET /agencies): the agency types and their posts, for the
// names in an incident's view and timeline, the verify form's choices and the directory screen. Until it
// has loaded, or when it cannot be read, the built-in types config.json lists. `list` is one array kept
// up to date in place, in config.json's shape ({code, nameId, nameEn}), so the modules that name agencies
// from such a list (incident-words.js) name the directory's types too.
import { lang } from "./i18n.js";

/** A contact that is a placeholder by its form (core/directory_models.py): +62000… numbers, .invalid hosts. */
export function isPlaceholder(contact) {
  const text = String(contact || "");
  if (/^\+62000\d+$/.test(text)) return true;
  const host = text.includes("@") && !text.includes("://") ? text.split("@").pop() : text.replace(/^https:\/\//, "").split(/[/:]/)[0];
  return /\.invalid\.?$/i.test(host);
}

export class AgencyBook {
  constructor(api, builtIn) {
    this.api = api;
    this.list = [...(builtIn || [])];
    this.types = []; // the directory's types, each with its posts
    this.posts = new Map(); // id -> post
    this.districts = [];
    this.loaded = false;
    this.signature = "";
    this.listeners = [];
  }

  /** Read the directory again; the answer is kept (and the listeners told) when it is new. */
  async load() {
    const directory = await this.api.directory();
    this.apply(directory);
    return directory;
  }

  apply(directory) {
    const signature = JSON.stringify(directory);
    if (signature === this.signature) return; // the same answer (a revalidated poll): nothing to tell
    this.signature = signature;
    this.types = directory.types || [];
    this.districts = directory.districts || [];
    this.posts = new Map(this.types.flatMap((type) => (type.posts || []).map((post) => [post.id, post])));
    this.list.splice(0, this.list.length, ...this.types.map(({ code, nameId, nameEn, active, categories }) => ({ code, nameId, nameEn, active, categories })));
    this.loaded = true;
    for (const listener of this.listeners) listener();
  }

  onChange(listener) {
    this.listeners.push(listener);
  }

  type(code) {
    return this.types.find((type) => type.code === code) || this.list.find((type) => type.code === code) || null;
  }

  typeName(code) {
    const type = this.type(code);
    if (!type) return code;
    return lang() === "en" ? type.nameEn : type.nameId;
  }

  postName(id) {
    return this.posts.get(id)?.name || id;
  }

  /** The types an operator may choose (active): those suggested for some category first (the emergency
   * services), then the others, each by name. */
  activeTypes() {
    const rank = (type) => ((type.categories || []).length ? 0 : 1);
    const name = (type) => (lang() === "en" ? type.nameEn : type.nameId) || type.code;
    return this.list.filter((type) => type.active !== false).sort((a, b) => rank(a) - rank(b) || name(a).localeCompare(name(b)));
  }

  /** The types a category is suggested for, as the API routes: from the directory, else config.json's. */
  routing(category, builtInRouting) {
    if (!this.loaded) return (builtInRouting || {})[category] || [];
    return this.activeTypes()
      .filter((type) => (type.categories || []).includes(category))
      .map((type) => type.code);
  }

  /** A type's active posts, by name. */
  postsOf(code) {
    return [...this.posts.values()].filter((post) => post.agency === code && post.active).sort((a, b) => a.name.localeCompare(b.name));
  }
}
