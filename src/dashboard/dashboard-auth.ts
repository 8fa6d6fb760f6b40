import type { Config } from "../config/config.js";
import type { Control } from "../control/control.js";
import type { Clock } from "../core/clock.js";
import { SecretCheck, type SecretOutcome } from "../http/secret-check.js";
import { dashboardBaseUrl, dashboardEnabled } from "./dashboard-settings.js";
import { LinkTokens } from "./link-tokens.js";
import { SessionStore, type DashboardSession } from "./session-store.js";

export interface DashboardAuthOptions {
  secret: string;
  clock: Clock;
  /** dashboard.session_hours in ms. */
  sessionTtlMs: number;
  /** dashboard.secure_cookie: add Secure to the cookie (HTTPS in front). */
  secureCookie: boolean;
  /** Where /dashboard links point (dashboard.url or the server's own address), without a trailing slash. */
  baseUrl: () => string;
}

/** Sign-in for the dashboard: the secret once, or a one-time link; then a session cookie. */
export class DashboardAuth {
  readonly sessions: SessionStore;
  readonly links: LinkTokens;
  readonly #secret: SecretCheck;

  constructor(readonly options: DashboardAuthOptions) {
    this.#secret = new SecretCheck(options.secret);
    this.sessions = new SessionStore({ clock: options.clock, ttlMs: options.sessionTtlMs });
    this.links = new LinkTokens(options.clock);
  }

  checkSecret(given: unknown): SecretOutcome {
    return this.#secret.check(given);
  }

  signIn(ip: string): DashboardSession {
    return this.sessions.create(ip);
  }

  /** A one-time sign-in link for Telegram's /dashboard (valid 10 minutes, once). */
  issueLink(): { url: string; expiresAt: Date } {
    const { token, expiresAt } = this.links.issue();
    return { url: `${this.options.baseUrl()}/dashboard/link/${token}`, expiresAt };
  }
}

// Telegram's /dashboard and the HTTP app are built apart (the bot first), around one Control:
// the HTTP app registers its DashboardAuth here and the command finds it by that Control.
const registry = new WeakMap<Control, DashboardAuth>();

export function registerDashboard(control: Control, auth: DashboardAuth): void {
  registry.set(control, auth);
}

/** The dashboard serving beside this Control, or null when it is off. */
export function dashboardFor(control: Control): DashboardAuth | null {
  return registry.get(control) ?? null;
}

/**
 * serve's dashboard: null when dashboard.enabled says off (auto: loopback, or a secret set
 * explicitly; `explicitSecret` is whether the config named one before serve generated it).
 */
export function dashboardAuthFor(config: Config, explicitSecret: boolean, secret: string, clock: Clock, boundUrl: () => string): DashboardAuth | null {
  if (!dashboardEnabled(config, explicitSecret)) return null;
  return new DashboardAuth({
    secret,
    clock,
    sessionTtlMs: config.dashboard.session_hours * 3_600_000,
    secureCookie: config.dashboard.secure_cookie,
    baseUrl: () => dashboardBaseUrl(config, boundUrl()),
  });
}
