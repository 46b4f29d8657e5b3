// Why an action on the open incident did not go through, in words. A lost race (409) is explained from
// the incident as it is now (someone claimed it first, a supervisor reassigned it, its status moved on);
// anything else is said as the error it is. Never swallowed: the alert is announced and takes focus.
import { t, term } from "./i18n.js";
import { ApiError } from "./api.js";
import { describeError } from "./errors.js";
import { actorName } from "./incident-words.js";
import { OPEN_STATUSES } from "./polling.js";

/** The last reassignment in a timeline, if the incident's holder came from it. */
function reassignedTo(detail, holder) {
  const timeline = detail.timeline || [];
  for (let i = timeline.length - 1; i >= 0; i -= 1) {
    const entry = timeline[i];
    if (entry.action === "CLAIM") return null;
    if (entry.action === "REASSIGN") return entry.details?.to === holder ? entry : null;
  }
  return null;
}

/** Why the incident is not `me`'s to work on any more, as a function giving the words (they follow the
 * language). `code`: the API's conflict code; `holder`: who holds it, when the answer said so. */
export function lostReason(detail, me, { code = null, holder = null } = {}) {
  const last = (detail.timeline || [])[detail.timeline?.length - 1] || {};
  holder = holder || (detail.status === "IN_REVIEW" ? detail.assignedTo : null);
  if (holder && holder !== me) {
    const reassign = reassignedTo(detail, holder);
    if (reassign) return () => t("conflict_reassigned", { by: actorName(reassign.actor), user: holder });
    return () => t("conflict_claimed", { user: holder });
  }
  if (code === "ILLEGAL_TRANSITION" || !code || detail.status !== "IN_REVIEW") {
    return () => t("conflict_status", { status: term("status", detail.status), user: actorName(last.actor) });
  }
  return () => t("conflict_changed", { user: actorName(last.actor) });
}

export class Conflicts {
  constructor({ store, drafts, incidentView, lists, messages, announce }) {
    this.store = store;
    this.drafts = drafts;
    this.incidentView = incidentView;
    this.lists = lists;
    this.messages = messages;
    this.announce = announce;
  }

  /** Explain a failed action in words, never swallow it; a conflict refreshes the view first. */
  async explain(error) {
    if (error instanceof ApiError && error.status === 401) return;
    if (error instanceof ApiError && error.status === 409) {
      const detail = (await this.incidentView.refresh()) || this.store.incident || {};
      const reason = lostReason(detail, this.store.me, { code: error.code, holder: error.body.assignedTo });
      const drafted = !this.store.form && this.drafts.has(this.store.openId) && !this.store.canReview();
      this.messages.setAlert(drafted ? () => `${reason()} ${t("draftKeptShort")}` : reason);
      this.lists.refreshSoon(...OPEN_STATUSES);
    } else {
      this.messages.setAlert(() => describeError(error));
    }
    this.announce(this.messages.alertMessage());
    this.messages.focusAlert();
  }
}
