// The operators' workspace, put together: the live lists, the open incident with its map, its action
// buttons, forms and dialogs, screen pops, calls without an incident and the keyboard. Each lives in a
// module of its own, owns its region of the page and relabels it when the language changes; they share
// the store (the session, the open incident, the open form: store.js) and the drafts (drafts.js), and
// are handed the others they act on here. docs/decisions.md 34 has the map of the modules.
import { $ } from "./dom.js";
import { setupDialogs } from "./dialogs.js";
import { IncidentMap } from "./map.js";
import { WorkspaceStore } from "./store.js";
import { Drafts } from "./drafts.js";
import { Messages } from "./messages.js";
import { QueueView } from "./lists.js";
import { IncidentView } from "./incident.js";
import { Conflicts } from "./conflicts.js";
import { FormDesk } from "./forms.js";
import { VerifyForm } from "./verify-form.js";
import { RejectForm } from "./reject-form.js";
import { IncidentDialogs } from "./incident-dialogs.js";
import { Conversation } from "./conversation.js";
import { ActionBar } from "./actions.js";
import { AmendDialogs, UpdateForm } from "./amend.js";
import { CallPop } from "./call-pop.js";
import { CallOffers } from "./calls.js";
import { CallbackDesk } from "./callbacks.js";
import { Keys } from "./keys.js";
import { CallerHistory } from "./caller-history.js";
import { Standings } from "./standings.js";
import { RelatedIncidents } from "./related.js";
import { MajorIncidents } from "./major.js";

export class Workspace {
  /** `book`: the agency directory (agencies.js), shared with the directory screen. */
  constructor({ config, api, session, book, announce, openDirectory, openSearch }) {
    const store = new WorkspaceStore(session);
    store.historyDays = config.callers?.historyDays ?? store.historyDays;
    const drafts = new Drafts();
    const messages = new Messages();
    setupDialogs();
    // A click or a key on the map sets the verify form's point; that form is made below, with the
    // views it needs, and the map's callbacks only run once the page is in use.
    const map = new IncidentMap($("#map"), {
      center: config.regency.center,
      tiles: config.map,
      districtCenters: config.regency.districtCenters,
      onPick: (lat, lon) => verify.pick(lat, lon, true),
      onClear: () => verify.clearPoint(),
    });
    // A row opens the incident in the view, which is made next (it focuses the list when it closes).
    const lists = new QueueView({ store, drafts, api, announce, open: (id) => incidentView.open(id) });
    const incidentView = new IncidentView({ store, api, messages, lists, map, agencies: book.list, book });
    const conflicts = new Conflicts({ store, drafts, incidentView, lists, messages, announce });
    const forms = new FormDesk({ store, drafts, messages, conflicts, map, announce });
    const verify = new VerifyForm({ store, forms, messages, lists, incidentView, map, config, api, book, announce });
    new RejectForm({ store, forms, messages, lists, incidentView, api, announce }); // adds itself to the forms
    const dialogs = new IncidentDialogs({ store, messages, conflicts, lists, incidentView, api, agencies: book.list, announce });
    new UpdateForm({ verify, forms, book }); // the verify form again, for a verified incident (Shift+U)
    const amend = new AmendDialogs({ store, messages, conflicts, lists, incidentView, api, announce });
    const actions = new ActionBar({ store, drafts, messages, conflicts, lists, incidentView, forms, dialogs, amend, api, announce });
    const callPop = new CallPop({ store, incidentView, forms, announce });
    const calls = new CallOffers({ api, announce, store, incidentView, messages });
    const desk = new CallbackDesk({ store, api, lists, incidentView, forms, messages, announce });
    lists.desk = desk; // the callback desk's tab: its list is the desk's own
    new CallerHistory({ store, api, open: (id) => incidentView.open(id) }); // follows the open incident
    const standings = new Standings({ store, api, announce, open: (id) => incidentView.open(id) });
    const related = new RelatedIncidents({ store, api, incidentView, lists, conflicts, messages, announce }); // follows the open incident
    // The kecamatan a major incident may cover: the directory's list, and config.json's as a fallback.
    const districts = () => [...book.districts, ...Object.keys(config.regency.districtCenters || {})];
    const major = new MajorIncidents({ store, api, related, districts, messages, conflicts, announce }); // the banner
    const conversation = new Conversation({ store, api, incidentView, conflicts, messages, announce }); // follows the open incident
    new Keys({ store, lists, incidentView, forms, verify, actions, dialogs, amend, calls, desk, standings, related, major, conversation, openDirectory, openSearch }); // listens on the document
    Object.assign(this, { store, drafts, lists, incidentView, callPop, calls, desk, standings, book, major });
  }

  start() {
    this.lists.start();
    this.incidentView.start();
    this.book.load().catch(() => null); // until it answers, config.json's built-in types name agencies
    this.desk.start();
    this.major.load();
  }

  /** Signed out: nothing of this operator's stays on the page (nobody else reads what they typed). */
  stop() {
    this.incidentView.stop();
    this.drafts.clear();
    this.callPop.hide();
    this.standings.stop();
    this.desk.stop();
    this.lists.stop();
  }

  setSession(session) {
    this.store.session = session;
  }

  /** Amazon Connect's screen pop: the incident the call's contact names. */
  callArrived(id) {
    return this.callPop.arrived(id);
  }
}
