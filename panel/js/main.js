// Start-up: the runtime configuration (/config.json), the language, sign-in, then the workspace.
import { $, show, inFormControl } from "./dom.js";
import { t, term, initLanguage, applyI18n, toggleLanguage, onLanguageChange } from "./i18n.js";
import { clock, setTimeZone, zoneLabel } from "./format.js";
import { Cognito, Session, SessionKeeper } from "./auth.js";
import { Api } from "./api.js";
import { LoginView } from "./login.js";
import { Workspace } from "./workspace.js";
import { setupConnect } from "./connect.js";
import { openDialog } from "./dialogs.js";

let config = null;
let cognito = null;
let keeper = null;
let login = null;
let workspace = null;
let api = null;
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
  show($("#help-button"), Boolean(session));
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

async function signedIn(session) {
  lost = false;
  if (session.role === "none" || session.role === "admin") {
    Session.clear();
    login.show("notOperator");
    return;
  }
  keeper.start(session);
  login.hide();
  renderUser(session);
  show($("#app-view"));
  if (!workspace) {
    workspace = new Workspace({ config, api, session, announce });
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
  login = new LoginView(cognito, `Respon 112 ${config.regency.name}`, signedIn);

  $("#lang-button").addEventListener("click", toggleLanguage);
  $("#logout-button").addEventListener("click", logout);
  $("#help-button").addEventListener("click", () => openDialog($("#help-dialog")));
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
