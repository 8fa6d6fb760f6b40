import fs from "node:fs";
import path from "node:path";
import type { NextFunction, Request, Response } from "express";
import type { Clock } from "../core/clock.js";

/**
 * How the request's secret was judged: "ok" / "missing" / "wrong" once checked; "none" when the
 * route needs no secret (/health, unknown paths) or the request was answered before the check
 * (blocked address, wrong method, a body that could not be read).
 */
export type AuthOutcome = "ok" | "missing" | "wrong" | "none";

export interface AccessLogEntry {
  time: string;
  ip: string;
  method: string;
  /** Path only: a query string is never logged (someone may put a secret there). */
  path: string;
  status: number;
  ms: number;
  auth: AuthOutcome;
  /** True when the client went away before the response was sent. */
  aborted?: boolean;
}

/** A path longer than this is cut in the log, so a hostile URL cannot bloat it. */
const MAX_PATH = 200;

/**
 * Appends one JSON line per entry to `file` (orchestrator_logs/webhook-access.log). Writes are
 * synchronous: the line is on disk when the request is done. The file stays open (opening it per
 * line cost a fifth of the status route's throughput); at most every `recheckMs` (default 1 s)
 * its path is checked, so a log rotated or deleted under us is reopened and recreated. A failed
 * write (full disk, permissions) is swallowed: the access log is a record, and losing a line must
 * never fail a request or the server; the next line tries again.
 */
export class AccessLogFile {
  #fd: number | null = null;
  #checkedAt = 0;

  constructor(readonly file: string, readonly recheckMs = 1000) {}

  append(entry: AccessLogEntry): void {
    try {
      const fd = this.#open();
      fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
    } catch {
      this.close(); // swallowed on purpose (see above)
    }
  }

  close(): void {
    if (this.#fd === null) return;
    try {
      fs.closeSync(this.#fd);
    } catch {
      // already closed
    }
    this.#fd = null;
  }

  #open(): number {
    const now = performance.now();
    if (this.#fd !== null) {
      if (now - this.#checkedAt < this.recheckMs) return this.#fd;
      this.#checkedAt = now;
      if (this.#stillAtPath(this.#fd)) return this.#fd;
      this.close();
    }
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.#fd = fs.openSync(this.file, "a");
    this.#checkedAt = now;
    return this.#fd;
  }

  /** Whether the open file is still the one at `file` (not renamed away or deleted). */
  #stillAtPath(fd: number): boolean {
    try {
      const atPath = fs.statSync(this.file);
      const open = fs.fstatSync(fd);
      return atPath.ino === open.ino && atPath.dev === open.dev;
    } catch {
      return false;
    }
  }
}

/** Sets the auth outcome the access log line will carry. */
export function setAuthOutcome(res: Response, auth: AuthOutcome): void {
  res.locals.auth = auth;
}

/**
 * Middleware writing one access log line per request, when the response finishes (or the
 * connection closes first). `file` null logs nothing (tests and benchmarks may opt out).
 */
export function accessLog(file: string | null, clock: Clock) {
  const log = file === null ? null : new AccessLogFile(file);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (log === null) return next();
    const started = performance.now();
    let written = false;
    const write = (aborted: boolean) => {
      if (written) return;
      written = true;
      const urlPath = (req.originalUrl.split("?")[0] ?? "").slice(0, MAX_PATH);
      log.append({
        time: clock.now().toISOString(),
        ip: req.ip ?? req.socket.remoteAddress ?? "unknown",
        method: req.method,
        path: urlPath,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 100) / 100,
        auth: (res.locals.auth as AuthOutcome | undefined) ?? "none",
        ...(aborted ? { aborted: true } : {}),
      });
    };
    res.once("finish", () => write(false));
    res.once("close", () => write(!res.writableFinished));
    next();
  };
}
