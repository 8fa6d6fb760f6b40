import { createHash, timingSafeEqual } from "node:crypto";
import type { DashboardSession } from "./session-store.js";

/** The header htmx sends on every request (hx-headers on <body>). */
export const CSRF_HEADER = "x-csrf-token";

/**
 * Whether a state-changing request carries its session's CSRF token. Compared in constant time
 * over SHA-256 digests (lengths differ freely). Missing or wrong: false (the route answers 403).
 */
export function csrfMatches(session: DashboardSession, given: unknown): boolean {
  if (typeof given !== "string" || given.length === 0) return false;
  return timingSafeEqual(digest(given), digest(session.csrf));
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
