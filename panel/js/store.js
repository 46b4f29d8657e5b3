// What the workspace's modules share: who is signed in, the incident open (its id and its last answer)
// and the form open on it; and the events they follow instead of calling each other's renderers. Each
// module owns its region of the page and its own state; this holds only what several of them read.
// Events are synchronous, delivered in the order the modules subscribed:
//   "leave"    {from, to}  the incident view is about to leave `from` (for `to`, or null: closed)
//   "incident" {id}        the open incident changed (opened, switched, closed: id null)
//   "detail"   {incident}  a poll of the open incident answered (changed or not): actions, form checks
//   "opened"   {id}        an incident was opened and its first poll is over (a draft may reopen)
//   "form"     {form}      a form was opened or closed (form null)
//   "tab"      {tab}       the lists' pane shows another tab ("standings": the supervisors' callers)
// The language has its own event (i18n.js onLanguageChange): each module relabels its own region.

export class WorkspaceStore extends EventTarget {
  constructor(session) {
    super();
    this.session = session;
    this.openId = null; // the incident the view shows
    this.incident = null; // its last answer from the API
    this.form = null; // "verify" | "reject": the form open on it
    this.historyDays = 30; // what a caller's history spans (config.json callers.historyDays)
  }

  get me() {
    return this.session.username;
  }

  get isSupervisor() {
    return this.session.isSupervisor;
  }

  /** Whether the open incident is this operator's to verify or reject. */
  canReview() {
    const incident = this.incident;
    return Boolean(incident && incident.status === "IN_REVIEW" && incident.assignedTo === this.me);
  }

  setOpen(id) {
    this.openId = id;
    this.incident = null;
    this.emit("incident", { id });
  }

  setForm(form) {
    this.form = form;
    this.emit("form", { form });
  }

  on(type, listener) {
    this.addEventListener(type, (event) => listener(event.detail));
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
