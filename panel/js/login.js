// The sign-in screens: password, then whatever Cognito asks for (a new password on first sign-in,
// setting up TOTP, a TOTP code), until it hands out tokens.
import { $, $$, show } from "./dom.js";
import { t, has } from "./i18n.js";
import { Session } from "./auth.js";

const FORMS = ["login-form", "newpw-form", "mfa-setup-form", "mfa-form"];
const PASSWORD_POLICY = (p) => p.length >= 12 && /[a-z]/.test(p) && /[A-Z]/.test(p) && /\d/.test(p) && /[^A-Za-z0-9]/.test(p);

export class LoginView {
  constructor(cognito, issuer, onSignedIn) {
    this.cognito = cognito;
    this.issuer = issuer; // "Respon 112 (<regency>)" in the otpauth URI
    this.onSignedIn = onSignedIn;
    this.username = "";
    this.challenge = null; // {name, session, parameters}
    this.busy = false;
    $("#login-form").addEventListener("submit", (e) => this.submit(e, () => this.password()));
    $("#newpw-form").addEventListener("submit", (e) => this.submit(e, () => this.newPassword()));
    $("#mfa-setup-form").addEventListener("submit", (e) => this.submit(e, () => this.mfaSetup()));
    $("#mfa-form").addEventListener("submit", (e) => this.submit(e, () => this.mfaCode()));
    for (const button of $$("[data-back-to-login]")) button.addEventListener("click", () => this.show());
    $("#login-retry").addEventListener("click", () => this.retry());
    this.retryAction = null;
  }

  /** While the session waits for Cognito: a "try again" button (the message says why). */
  offerRetry(action) {
    this.retryAction = action;
    show($("#login-retry"));
  }

  get waitingForRetry() {
    return Boolean(this.retryAction);
  }

  async retry() {
    const button = $("#login-retry");
    if (!this.retryAction || button.disabled) return;
    button.disabled = true;
    const message = $("#login-message").textContent;
    this.message(t("retrying"));
    try {
      if (!(await this.retryAction())) this.message(message);
    } finally {
      button.disabled = false;
    }
  }

  /** Show the first step, with an optional message (e.g. why the session ended). */
  show(messageKey = null) {
    this.challenge = null;
    this.retryAction = null;
    show($("#login-retry"), false);
    show($("#login-view"));
    this.message(messageKey ? t(messageKey) : "");
    this.step("login-form");
    $("#login-password").value = "";
  }

  hide() {
    this.retryAction = null;
    show($("#login-retry"), false);
    show($("#login-view"), false);
  }

  step(id) {
    for (const form of FORMS) show($(`#${form}`), form === id);
    for (const el of $$(".field-error", $("#login-view"))) el.textContent = "";
    for (const el of $$("[aria-invalid]", $("#login-view"))) el.removeAttribute("aria-invalid");
    const first = $(`#${id} input`);
    if (first) first.focus();
  }

  message(text) {
    $("#login-message").textContent = text;
  }

  fieldError(input, key) {
    const el = $(`#${input}`);
    el.setAttribute("aria-invalid", "true");
    $(`#${input}-error`).textContent = t(key);
    return el;
  }

  async submit(event, action) {
    event.preventDefault();
    if (this.busy) return;
    this.busy = true;
    const button = event.target.querySelector('button[type="submit"]');
    button.disabled = true;
    this.message("");
    try {
      await action();
    } catch (error) {
      const key = `auth_${error.code}`;
      this.message(has(key) ? t(key) : t("auth_unknown", { message: error.message }));
      if (error.code === "NotAuthorizedException" && this.challenge) {
        // an expired challenge session: start again
        this.challenge = null;
        this.step("login-form");
      }
    } finally {
      this.busy = false;
      button.disabled = false;
    }
  }

  clearErrors(form) {
    for (const el of $$(".field-error", form)) el.textContent = "";
    for (const el of $$("[aria-invalid]", form)) el.removeAttribute("aria-invalid");
  }

  async password() {
    const form = $("#login-form");
    this.clearErrors(form);
    const username = $("#login-username").value.trim();
    const password = $("#login-password").value;
    const invalid = [];
    if (!username) invalid.push(this.fieldError("login-username", "err_required"));
    if (!password) invalid.push(this.fieldError("login-password", "err_required"));
    if (invalid.length) return invalid[0].focus();
    this.username = username;
    this.handle(await this.cognito.initiate(username, password));
  }

  async newPassword() {
    const form = $("#newpw-form");
    this.clearErrors(form);
    const password = $("#newpw-password").value;
    const confirm = $("#newpw-confirm").value;
    if (!PASSWORD_POLICY(password)) return this.fieldError("newpw-password", "err_passwordPolicy").focus();
    if (password !== confirm) return this.fieldError("newpw-confirm", "err_passwordMismatch").focus();
    const params = this.challenge.parameters || {};
    const username = params.USER_ID_FOR_SRP || params.USERNAME || this.username;
    this.handle(
      await this.cognito.respond("NEW_PASSWORD_REQUIRED", this.challenge.session, {
        USERNAME: username,
        NEW_PASSWORD: password,
      }),
    );
  }

  async startMfaSetup() {
    const answer = await this.cognito.associateSoftwareToken(this.challenge.session);
    this.challenge.session = answer.Session || this.challenge.session;
    const secret = answer.SecretCode;
    const label = encodeURIComponent(`${this.issuer}:${this.username}`);
    $("#mfa-secret").textContent = secret;
    $("#mfa-uri").textContent = `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(this.issuer)}`;
    this.step("mfa-setup-form");
  }

  async mfaSetup() {
    this.clearErrors($("#mfa-setup-form"));
    const code = $("#mfa-setup-code").value.trim();
    if (!/^\d{6}$/.test(code)) return this.fieldError("mfa-setup-code", "err_mfaCode").focus();
    const verified = await this.cognito.verifySoftwareToken(this.challenge.session, code);
    this.handle(
      await this.cognito.respond("MFA_SETUP", verified.Session || this.challenge.session, { USERNAME: this.username }),
    );
  }

  async mfaCode() {
    this.clearErrors($("#mfa-form"));
    const code = $("#mfa-code").value.trim();
    if (!/^\d{6}$/.test(code)) return this.fieldError("mfa-code", "err_mfaCode").focus();
    this.handle(
      await this.cognito.respond("SOFTWARE_TOKEN_MFA", this.challenge.session, {
        USERNAME: this.username,
        SOFTWARE_TOKEN_MFA_CODE: code,
      }),
    );
  }

  /** Cognito's answer: tokens (signed in) or the next challenge. */
  async handle(answer) {
    if (answer.AuthenticationResult) {
      this.challenge = null;
      for (const id of ["login-password", "newpw-password", "newpw-confirm", "mfa-code", "mfa-setup-code"]) {
        $(`#${id}`).value = "";
      }
      this.onSignedIn(Session.fromResult(answer.AuthenticationResult));
      return;
    }
    this.challenge = { name: answer.ChallengeName, session: answer.Session, parameters: answer.ChallengeParameters };
    switch (answer.ChallengeName) {
      case "NEW_PASSWORD_REQUIRED":
        this.step("newpw-form");
        break;
      case "MFA_SETUP":
        await this.startMfaSetup();
        break;
      case "SOFTWARE_TOKEN_MFA":
        this.step("mfa-form");
        break;
      default:
        this.message(t("auth_unsupportedChallenge", { name: answer.ChallengeName }));
        this.step("login-form");
    }
  }
}
