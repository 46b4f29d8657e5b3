// The lists' polls: each status the lists show is fetched on its own interval (polling.js), backing off
// while it fails. A failing poll leaves its list as it was and the banner over the lists says so, with
// the time of the last good answer: never silently stale.
import { $, show } from "./dom.js";
import { t, onLanguageChange } from "./i18n.js";
import { clock } from "./format.js";
import { ApiError } from "./api.js";
import { problemName } from "./errors.js";
import { MAX_BACKOFF_MS, OPEN_STATUSES, TICK_MS, listInterval } from "./polling.js";

export class ListPolls {
  /** `tabShown()`: the tab on screen (the intervals depend on it); `answered(status, entry)`: new items. */
  constructor({ api, tabShown, answered }) {
    this.api = api;
    this.tabShown = tabShown;
    this.answered = answered;
    this.lists = new Map(); // status -> {items, more, at, busy, failures, retryMs, okAt, stale}
    this.failures = new Map(); // status -> ApiError status of its last poll, while it fails
    this.timer = null;
    onLanguageChange(() => this.renderBanner());
  }

  start() {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.lists.clear();
    this.failures.clear();
    this.renderBanner();
  }

  items(status) {
    return (this.lists.get(status) || { items: [] }).items;
  }

  /** Whether the API holds more of this list than its first page. */
  more(status) {
    return Boolean(this.lists.get(status)?.more);
  }

  tick() {
    const now = Date.now();
    for (const status of OPEN_STATUSES) {
      const entry = this.lists.get(status) || { items: [], more: false, at: 0, busy: false, failures: 0, okAt: null };
      this.lists.set(status, entry);
      const every = listInterval(status, this.tabShown());
      const wait = entry.failures ? Math.max(every, entry.retryMs || 0, Math.min(MAX_BACKOFF_MS, every * 2 ** entry.failures)) : every;
      if (!entry.busy && now - entry.at >= wait) this.refresh(status);
    }
  }

  async refresh(status) {
    const entry = this.lists.get(status);
    entry.busy = true;
    try {
      const page = await this.api.list(status);
      entry.items = page.items || [];
      entry.more = Boolean(page.nextCursor);
      entry.failures = 0;
      entry.retryMs = 0;
      entry.okAt = new Date();
      this.failures.delete(status);
      this.answered(status, entry);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) {
        // Any failure (no network, 429, 503, …) leaves the list as it was: say so, never silently.
        entry.failures = Math.min((entry.failures || 0) + 1, 6);
        entry.retryMs = error instanceof ApiError && error.retryAfter ? error.retryAfter * 1000 : 0;
        this.failures.set(status, error instanceof ApiError ? error.status : -1);
      }
    } finally {
      entry.at = entry.stale ? 0 : Date.now();
      entry.stale = false;
      entry.busy = false;
      this.renderBanner();
    }
  }

  /** Poll these lists at the next tick (after an action changed them); a request under way is stale. */
  refreshSoon(...statuses) {
    for (const status of statuses) {
      const entry = this.lists.get(status);
      if (!entry) continue;
      entry.at = 0;
      if (entry.busy) entry.stale = true;
    }
  }

  /** The banner over the lists while any of their polls fails: since when they are stale, and why. */
  renderBanner() {
    const banner = $("#poll-error");
    if (!this.failures.size) {
      show(banner, false);
      banner.textContent = "";
      delete banner.dataset.status;
      $("#queue-panel").classList.remove("is-stale");
      return;
    }
    const failing = [...this.failures.keys()];
    const status = this.failures.values().next().value;
    const okTimes = failing.map((s) => this.lists.get(s)?.okAt).filter(Boolean);
    const never = okTimes.length < failing.length;
    const since = okTimes.length ? new Date(Math.min(...okTimes.map(Number))) : null;
    const problem = problemName(status < 0 ? 0 : status);
    const text = never || !since ? t("pollNeverLoaded", { problem }) : t("pollStale", { time: clock(since), problem });
    if (banner.textContent !== text) banner.textContent = text; // an unchanged text is not announced again
    banner.dataset.status = String(status);
    show(banner);
    $("#queue-panel").classList.add("is-stale");
  }
}
