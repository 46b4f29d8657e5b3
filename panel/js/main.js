// Start-up: the runtime configuration (/config.json), the language, sign-in, then the workspace, or for a
// user only in the admin group the agency directory's screen alone (docs/decisions.md 32).
import { $, show, inFormControl } from "./dom.js";
import { t, term, initLanguage, applyI18n, toggleLanguage, onLanguageChange } from "./i18n.js";
import { clock, setTimeZone, zoneLabel } from "./format.js";
import { Cognito, Session, SessionKeeper } from "./auth.js";
import { Api } from "./api.js";
import { LoginView } from "./login.js";
import { Workspace } from "./workspace.js";
import { AgencyBook } from "./agencies.js";
import { DirectoryScreen } from "./directory.js";
import { SearchScreen } from "./search.js";
import { setupConnect } from "./connect.js";
import { openDialog } from "./dialogs.js";

let config = null;
let cognito = null;
let keeper = null;
let login = null;
let workspace = null;
let api = null;
let book = null; // the agency directory, shared by the workspace and the directory screen
let directory = null;
let search = null;
let lost = false;

function announce(text) {
  const region = $("#announcer");
  region.textContent = "";
  // a fresh text node on the next frame, so screen readers announce a repeated message too
  requestAnimationFrame(() => {
    region.textContent = text;
  });
}

function renderUser(session) {
  show($("#user-box"), Boolean(session));
  show($("#logout-button"), Boolean(session));
  show($("#help-button"), Boolean(session && session.role !== "admin"));
  show($("#directory-button"), Boolean(session && session.role !== "admin"));
  show($("#search-button"), Boolean(session && session.role !== "admin"));
  show($("#stats-link"), Boolean(session && session.isSupervisor));
  if (!session) return;
  $("#user-name").textContent = t("loggedInAs", { user: session.username });
  $("#user-role").textContent = term("role", session.role);
  $("#user-role").dataset.role = session.role;
}

function tickClock() {
  $("#clock").textContent = clock();
  $("#clock").title = t("clockLabel", { tz: zoneLabel() });
}

/** The directory screen over the workspace (the incidents keep polling behind it); Esc comes back. */
function openDirectory() {
  const session = keeper.session;
  if (!session || session.role === "admin" || !directory || directory.shown) return;
  if (search.shown) search.hide();
  show($("#app-view"), false);
  directory.show(session, closeDirectory);
}

function closeDirectory() {
  directory.hide();
  show($("#app-view"));
  $("#directory-button").focus();
}

/** The search screen over the workspace, like the directory's; Esc comes back, a row opens its incident. */
function openSearch() {
  const session = keeper.session;
  if (!session || session.role === "admin" || !search || search.shown) return;
  if (directory.shown) directory.hide();
  show($("#app-view"), false);
  search.show(closeSearch);
}

function closeSearch() {
  search.hide();
  show($("#app-view"));
  $("#search-button").focus();
}

function openFromSearch(id) {
  search.hide();
  show($("#app-view"));
  workspace.incidentView.open(id);
}

async function signedIn(session) {
  lost = false;
  if (session.role === "none") {
    Session.clear();
    login.show("notOperator");
    return;
  }
  keeper.start(session);
  login.hide();
  renderUser(session);
  if (session.role === "admin") {
    // Only in the admin group: the agency directory, and no incident (docs/decisions.md 32).
    directory.show(session, null);
    return;
  }
  show($("#app-view"));
  if (!workspace) {
    workspace = new Workspace({ config, api, session, book, announce, openDirectory, openSearch });
  } else {
    workspace.setSession(session);
  }
  workspace.start();
  setupConnect(
    config.connect,
    { incident: (id) => workspace.callArrived(id), withoutIncident: (call) => workspace.calls.offer(call) },
    announce,
  );
  $("#main").focus();
}

/** Back to the sign-in screen, with why. */
function endSession(messageKey) {
  keeper.stop();
  Session.clear();
  if (workspace) workspace.stop();
  directory.hide();
  search.clear();
  show($("#app-view"), false);
  renderUser(null);
  login.show(messageKey);
}

/**
 * The IdToken has expired and Cognito cannot be reached to renew it: the sign-in screen says so and
 * offers to try again (the keeper also retries every 15 s); the refresh token is kept for that.
 */
function waitForCognito(session) {
  keeper.stop();
  if (workspace) workspace.stop();
  directory.hide();
  search.hide();
  show($("#app-view"), false);
  renderUser(null);
  keeper.session = session;
  keeper.retryLater();
  login.show("refreshNetwork");
  login.offerRetry(async () => {
    if (!keeper.session) keeper.session = session;
    return keeper.refresh();
  });
}

/** The keeper renewed the tokens: the workspace goes on, or starts if the sign-in screen waited. */
function renewed(session) {
  if ($("#app-view").hidden) {
    if (!$("#login-view").hidden && login.waitingForRetry) signedIn(session);
    return;
  }
  if (workspace) workspace.setSession(session);
}

async function unauthorized(final) {
  if (lost) return false;
  const session = keeper.session;
  if (!final && session && (await keeper.refresh())) return true;
  if (!lost) {
    lost = true;
    if (!final && session && session.refreshToken && keeper.lastError === "network") waitForCognito(session);
    else endSession("sessionExpired");
  }
  return false;
}

async function logout() {
  const session = keeper.session;
  endSession("loggedOut");
  if (session && session.accessToken) {
    try {
      await cognito.globalSignOut(session.accessToken); // best effort: the tokens are gone here anyway
    } catch {
      // offline or already signed out
    }
  }
}

function globalKeys(event) {
  if (!$("#app-view").hidden || event.defaultPrevented) return; // the workspace has its own
  if (inFormControl(event) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "l") {
    event.preventDefault();
    toggleLanguage();
  }
}

async function boot() {
  initLanguage();
  applyI18n(document);
  try {
    const response = await fetch("config.json", { cache: "no-cache" });
    if (!response.ok) throw new Error(String(response.status));
    config = await response.json();
  } catch {
    $("#boot-message").removeAttribute("data-i18n");
    $("#boot-message").textContent = t("configError");
    $("#boot-message").setAttribute("role", "alert");
    return;
  }
  show($("#boot-message"), false);
  setTimeZone(config.regency.timezone);
  $("#regency-name").textContent = config.regency.name;
  tickClock();
  setInterval(tickClock, 1000);

  cognito = new Cognito(config.cognito);
  keeper = new SessionKeeper(cognito, renewed, () => {
    if (login.waitingForRetry) endSession("sessionExpired"); // Cognito answered at last: no renewal
    else unauthorized(true);
  });
  api = new Api(config.apiUrl, () => keeper.session?.idToken, unauthorized);
  book = new AgencyBook(api, config.agencies);
  directory = new DirectoryScreen({ api, book, announce });
  search = new SearchScreen({ api, config, announce, open: openFromSearch });
  login = new LoginView(cognito, `Respon 112 ${config.regency.name}`, signedIn);

  $("#lang-button").addEventListener("click", toggleLanguage);
  $("#logout-button").addEventListener("click", logout);
  $("#help-button").addEventListener("click", () => openDialog($("#help-dialog")));
  $("#directory-button").addEventListener("click", openDirectory);
  $("#search-button").addEventListener("click", openSearch);
  document.addEventListener("keydown", globalKeys);
  onLanguageChange(() => {
    renderUser(keeper.session);
    tickClock();
  });

  const stored = Session.load();
  if (stored && stored.expiresAt > Date.now() + 10_000) {
    signedIn(stored);
  } else if (stored && stored.refreshToken) {
    // An expired IdToken: renew it first. Without Cognito (the network) the sign-in screen says so.
    keeper.session = stored;
    if (await keeper.refresh()) signedIn(keeper.session);
    else if (keeper.lastError === "network") waitForCognito(stored);
  } else {
    Session.clear();
    login.show();
  }
}

boot();
