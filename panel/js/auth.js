// Cognito sign-in through its JSON API (no SDK): USER_PASSWORD_AUTH and its challenges
// (NEW_PASSWORD_REQUIRED, MFA_SETUP, SOFTWARE_TOKEN_MFA), refresh before the IdToken expires, sign-out.
// Tokens live in sessionStorage: they go when the tab closes, and each tab signs in on its own.

const STORAGE_KEY = "respon112.session";
const REFRESH_MARGIN_MS = 5 * 60 * 1000; // refresh this long before the IdToken expires

export class AuthError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code; // Cognito's __type without its namespace, or "network"
  }
}

export class Cognito {
  constructor(config) {
    this.endpoint = config.endpoint;
    this.clientId = config.clientId;
  }

  async call(action, body) {
    let response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
        },
        body: JSON.stringify(body),
        cache: "no-store",
      });
    } catch (error) {
      throw new AuthError("network", String(error));
    }
    let data = {};
    try {
      data = await response.json();
    } catch {
      data = {};
    }
    if (!response.ok) {
      const type = String(data.__type || response.headers.get("x-amzn-errortype") || "UnknownError");
      throw new AuthError(type.split("#").pop().split(":")[0], data.message || data.Message || type);
    }
    return data;
  }

  initiate(username, password) {
    return this.call("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: this.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    });
  }

  respond(challengeName, session, responses) {
    return this.call("RespondToAuthChallenge", {
      ChallengeName: challengeName,
      ClientId: this.clientId,
      Session: session,
      ChallengeResponses: responses,
    });
  }

  associateSoftwareToken(session) {
    return this.call("AssociateSoftwareToken", { Session: session });
  }

  verifySoftwareToken(session, code) {
    return this.call("VerifySoftwareToken", { Session: session, UserCode: code, FriendlyDeviceName: "Respon 112" });
  }

  refresh(refreshToken) {
    return this.call("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: this.clientId,
      AuthParameters: { REFRESH_TOKEN: refreshToken },
    });
  }

  globalSignOut(accessToken) {
    return this.call("GlobalSignOut", { AccessToken: accessToken });
  }
}

/** The claims of a JWT (not verified here: the API checks the signature; we only read who and when). */
export function claimsOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = payload + "=".repeat((4 - (payload.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

/** Who is signed in: the tokens and what the IdToken says. */
export class Session {
  constructor({ idToken, accessToken, refreshToken }) {
    this.idToken = idToken;
    this.accessToken = accessToken;
    this.refreshToken = refreshToken;
    const claims = claimsOf(idToken);
    this.username = claims["cognito:username"] || claims.username || claims.sub || "?";
    const groups = claims["cognito:groups"] || [];
    this.groups = Array.isArray(groups) ? groups : String(groups).split(",");
    this.expiresAt = (Number(claims.exp) || 0) * 1000;
  }

  get isSupervisor() {
    return this.groups.includes("supervisor");
  }

  get role() {
    if (this.groups.includes("supervisor")) return "supervisor";
    if (this.groups.includes("operator")) return "operator";
    if (this.groups.includes("admin")) return "admin";
    return "none";
  }

  save() {
    sessionStorage.setItem(
      STORAGE_KEY,
      JSON.stringify({ idToken: this.idToken, accessToken: this.accessToken, refreshToken: this.refreshToken }),
    );
  }

  static load() {
    try {
      const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
      return stored && stored.idToken ? new Session(stored) : null;
    } catch {
      return null;
    }
  }

  static clear() {
    sessionStorage.removeItem(STORAGE_KEY);
  }

  static fromResult(result, previous = null) {
    return new Session({
      idToken: result.IdToken,
      accessToken: result.AccessToken,
      refreshToken: result.RefreshToken || (previous && previous.refreshToken),
    });
  }
}

/** Keeps a session fresh: refreshes the tokens REFRESH_MARGIN_MS before the IdToken expires. */
export class SessionKeeper {
  constructor(cognito, onChange, onLost) {
    this.cognito = cognito;
    this.onChange = onChange;
    this.onLost = onLost;
    this.timer = null;
    this.session = null;
  }

  start(session) {
    this.session = session;
    session.save();
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    if (!this.session) return;
    const delay = Math.max(5_000, this.session.expiresAt - Date.now() - REFRESH_MARGIN_MS);
    this.timer = setTimeout(() => this.refresh(), Math.min(delay, 2 ** 31 - 1));
  }

  async refresh() {
    if (!this.session || !this.session.refreshToken) return false;
    if (this.refreshing) return this.refreshing; // one renewal at a time
    this.refreshing = this.renew().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  async renew() {
    try {
      const data = await this.cognito.refresh(this.session.refreshToken);
      this.session = Session.fromResult(data.AuthenticationResult, this.session);
      this.session.save();
      this.lastError = null;
      this.schedule();
      this.onChange(this.session);
      return true;
    } catch (error) {
      this.lastError = error.code === "network" ? "network" : "refused";
      if (error.code === "network") {
        this.retryLater();
        return false;
      }
      this.stop();
      this.onLost();
      return false;
    }
  }

  /** Cognito could not be reached: try again in 15 s. */
  retryLater() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 15_000);
  }

  stop() {
    clearTimeout(this.timer);
    this.session = null;
  }
}
