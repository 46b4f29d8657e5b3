// What an operator typed in the verify or reject form of an incident, kept as a draft in the page's
// memory only (never in web storage: nobody else reads it; cleared at sign-out). A draft is
// {verify?, reject?, open?}: the forms' values, and the form to reopen when the incident is opened again.
// The lists (a draft chip) and the action buttons follow its "change" event.

export class Drafts extends EventTarget {
  constructor() {
    super();
    this.byIncident = new Map();
  }

  get(id) {
    return this.byIncident.get(id);
  }

  has(id) {
    return this.byIncident.has(id);
  }

  /** The incidents with a draft, sorted (the lists' signature). */
  ids() {
    return [...this.byIncident.keys()].sort();
  }

  set(id, draft) {
    this.byIncident.set(id, draft);
    this.changed();
  }

  delete(id) {
    this.byIncident.delete(id);
    this.changed();
  }

  clear() {
    this.byIncident.clear();
    this.changed();
  }

  onChange(listener) {
    this.addEventListener("change", () => listener());
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }
}
