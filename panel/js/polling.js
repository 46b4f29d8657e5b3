// How often the workspace polls the API, and which lists. Every poll goes through a conditional GET (a
// 304 while nothing changed); a poll is sent once its interval has passed since the previous answer came
// back. tests/panel_traffic.py reads these literals to model one panel's load on the API (the WAF's and
// the throttles' limits, the cost table in docs/costs.md): keep them literal, and keep that model in step.

export const TICK_MS = 250; // how often the timers look whether a poll is due
export const DETAIL_POLL_MS = 2000; // the open incident
export const MAX_BACKOFF_MS = 8000; // a failing list poll slows down to this, at most (unless Retry-After says more)
// The callback desk (GET /callbacks), polled only while its tab is shown: its tab's count comes from the
// lists above (the incidents awaiting a call back are RECEIVED or IN_REVIEW), at no extra request.
export const CALLBACKS_POLL_MS = 3000;

// The lists the panel polls: every status an incident is open in. The dispatched tab shows the last three.
export const DISPATCHED_STATUSES = ["VERIFIED", "DISPATCHED", "ACKNOWLEDGED"];
export const OPEN_STATUSES = ["RECEIVED", "IN_REVIEW", ...DISPATCHED_STATUSES];

/** A list's interval with `tab` shown: only the incoming list polls fast whatever the tab. */
export function listInterval(status, tab) {
  if (status === "RECEIVED") return 1500;
  if (status === "IN_REVIEW") return tab === "mine" || tab === "review" ? 1500 : 5000;
  return tab === "dispatched" ? 3000 : 15000;
}
