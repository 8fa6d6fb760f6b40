import { describe, expect, it } from "@jest/globals";
import { ManualClock } from "../../src/core/clock.js";
import { readCookie, SESSION_COOKIE, sessionCookie } from "../../src/dashboard/cookies.js";
import { csrfMatches } from "../../src/dashboard/csrf.js";
import { dashboardBaseUrl, dashboardEnabled, isLoopbackHost } from "../../src/dashboard/dashboard-settings.js";
import { LINK_TTL_MS, LinkTokens } from "../../src/dashboard/link-tokens.js";
import { SessionStore } from "../../src/dashboard/session-store.js";
import type { Config } from "../../src/config/config.js";

const HOUR = 3_600_000;

describe("SessionStore", () => {
  it("creates random sessions with their own CSRF token and forgets them when they expire", () => {
    const clock = new ManualClock();
    const store = new SessionStore({ clock, ttlMs: HOUR });
    const a = store.create("127.0.0.1");
    const b = store.create("127.0.0.1");
    expect(a.id).not.toBe(b.id);
    expect(a.csrf).not.toBe(a.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.get(a.id)).toBe(a);
    expect(store.get("nope")).toBeNull();
    expect(store.get(null)).toBeNull();
    clock.advance(HOUR - 1);
    expect(store.get(a.id)).toBe(a);
    clock.advance(1);
    expect(store.get(a.id)).toBeNull();
    expect(store.size).toBe(0);
  });

  it("keeps at most `max` sessions, dropping the oldest, and deletes on sign-out", () => {
    const store = new SessionStore({ clock: new ManualClock(), ttlMs: HOUR, max: 2 });
    const first = store.create("a");
    const second = store.create("b");
    const third = store.create("c");
    expect(store.get(first.id)).toBeNull();
    expect(store.get(second.id)).toBe(second);
    store.delete(third.id);
    expect(store.get(third.id)).toBeNull();
  });
});

describe("LinkTokens", () => {
  it("a link signs in once, within 10 minutes", () => {
    const clock = new ManualClock();
    const links = new LinkTokens(clock);
    const one = links.issue();
    expect(one.expiresAt.getTime() - clock.now().getTime()).toBe(LINK_TTL_MS);
    expect(LINK_TTL_MS).toBe(600_000);
    expect(links.redeem(one.token)).toBe(true);
    expect(links.redeem(one.token)).toBe(false);
    const late = links.issue();
    clock.advance(LINK_TTL_MS);
    expect(links.redeem(late.token)).toBe(false);
    expect(links.redeem("made-up")).toBe(false);
  });

  it("keeps at most `max` live links", () => {
    const links = new LinkTokens(new ManualClock(), 2);
    const a = links.issue();
    const b = links.issue();
    const c = links.issue();
    expect(links.redeem(a.token)).toBe(false);
    expect(links.redeem(b.token)).toBe(true);
    expect(links.redeem(c.token)).toBe(true);
  });
});

describe("csrfMatches", () => {
  const session = new SessionStore({ clock: new ManualClock(), ttlMs: HOUR }).create("x");
  it("accepts only the session's own token", () => {
    expect(csrfMatches(session, session.csrf)).toBe(true);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(csrfMatches(session, "")).toBe(false);
    expect(csrfMatches(session, session.csrf.slice(1))).toBe(false);
    expect(csrfMatches(session, [session.csrf])).toBe(false);
  });
});

describe("cookies", () => {
  it("the session cookie is HttpOnly, SameSite=Strict, Path=/, Secure only when asked", () => {
    expect(sessionCookie("abc", 3600, false)).toBe(`${SESSION_COOKIE}=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600`);
    expect(sessionCookie("abc", 3600, true)).toMatch(/; Secure$/);
    expect(sessionCookie("", 0, false)).toContain("Max-Age=0");
  });
  it("reads one cookie out of a header", () => {
    expect(readCookie(`a=1; ${SESSION_COOKIE}=x%20y; b=2`, SESSION_COOKIE)).toBe("x y");
    expect(readCookie("a=1", SESSION_COOKIE)).toBeNull();
    expect(readCookie(undefined, SESSION_COOKIE)).toBeNull();
    expect(readCookie(`${SESSION_COOKIE}=%E0%A4%A`, SESSION_COOKIE)).toBeNull();
  });
});

describe("dashboard settings", () => {
  const config = (host: string, enabled: "auto" | boolean, url: string | null = null) =>
    ({ server: { host, port: 5000 }, dashboard: { enabled, url, session_hours: 12, secure_cookie: false } }) as unknown as Config;
  it("auto: on for loopback hosts; elsewhere only with a secret set explicitly", () => {
    for (const h of ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"]) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["0.0.0.0", "192.168.1.5", "example.com", "::"]) expect(isLoopbackHost(h)).toBe(false);
    expect(dashboardEnabled(config("127.0.0.1", "auto"), false)).toBe(true);
    expect(dashboardEnabled(config("0.0.0.0", "auto"), false)).toBe(false);
    expect(dashboardEnabled(config("0.0.0.0", "auto"), true)).toBe(true);
    expect(dashboardEnabled(config("127.0.0.1", false), true)).toBe(false);
    expect(dashboardEnabled(config("0.0.0.0", true), false)).toBe(true);
  });
  it("links point at dashboard.url, else the bound address", () => {
    expect(dashboardBaseUrl(config("127.0.0.1", "auto"), "http://127.0.0.1:5000")).toBe("http://127.0.0.1:5000");
    expect(dashboardBaseUrl(config("127.0.0.1", "auto", "https://orch.example.com/"), "http://127.0.0.1:5000")).toBe("https://orch.example.com");
  });
});
