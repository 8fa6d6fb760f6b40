/**
 * The dashboard's live feed under faults:
 * - a browser that stops reading (a phone asleep: its socket paused) while Claude floods progress:
 *   it is disconnected once it leaves MAX_UNREAD_BYTES unread, so the service's memory stays
 *   bounded, and a browser that reads keeps getting every event;
 * - the real `serve` with signed-in dashboards following /dashboard/events (one of them not
 *   reading): SIGTERM ends the streams and the process exits 0 promptly; 21 followers get 503.
 * `FAULT_FIGURES=1` prints the figures for RELIABILITY.md.
 */
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import express from "express";
import http from "node:http";
import net from "node:net";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Change } from "../../src/orchestrator/orchestrator.js";
import { LiveFeed, MAX_UNREAD_BYTES } from "../../src/dashboard/live-feed.js";
import { tempDir } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { killWithLeftovers } from "./fault-helpers.js";

const SECRET = "dashboard-fault-secret";
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});
const figures: string[] = [];
afterAll(() => {
  if (process.env.FAULT_FIGURES) process.stdout.write(`dashboard.test.ts figures:\n${figures.join("\n")}\n`);
});
const services: RunningService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await killWithLeftovers(s.process);
});

/** An orchestrator as the feed sees it: changes pushed by the test. */
function changes() {
  const listeners = new Set<(c: Change) => void>();
  return {
    subscribe(listener: (c: Change) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    progress(n: number) {
      const text = `Bash: step ${n} ${"x".repeat(150)}`;
      const change = { event: { type: "task_progress", index: 0, attempt: 1, progress: { kind: "tool_use", text, tool: "Bash" } } } as unknown as Change;
      for (const l of listeners) l(change);
    },
  };
}

/** A raw HTTP client on the stream: reads (counting bytes) or, paused, never reads; `closed` once the server drops it. */
function follow(port: number, path: string, headers: Record<string, string>, read: boolean) {
  const socket = net.connect(port, "127.0.0.1");
  let bytes = 0;
  let text = "";
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => undefined);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
  if (read) {
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      text = (text + chunk.toString()).slice(-4000);
    });
  } else {
    // Read the headers only, then stop reading: the kernel buffers fill, then the server's.
    socket.once("data", () => socket.pause());
  }
  return { socket, closed, bytes: () => bytes, tail: () => text };
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms).unref())]);

describe("the dashboard's live feed under faults", () => {
  it("drops a browser that stopped reading once it leaves MAX_UNREAD_BYTES unread; a reading one gets every event", async () => {
    const source = changes();
    const feed = new LiveFeed(source, 20, 60_000);
    const app = express();
    app.get("/events", (_req, res) => void feed.attach(res));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
    const port = (server.address() as net.AddressInfo).port;
    const reader = follow(port, "/events", {}, true);
    const sleeper = follow(port, "/events", {}, false);
    await within(
      (async () => {
        while (feed.clients < 2) await new Promise((r) => setTimeout(r, 10));
      })(),
      5000,
      "both followers attached",
    );
    // Far more than the kernel's loopback socket buffers (several MB each way) and MAX_UNREAD_BYTES together: 40 MB.
    const events = Math.ceil((40 * 1024 * 1024) / 200);
    expect(feed.maxUnreadBytes).toBe(MAX_UNREAD_BYTES);
    expect(events * 150).toBeGreaterThan(MAX_UNREAD_BYTES * 8);
    for (let n = 0; n < events; n++) {
      source.progress(n);
      if (n % 500 === 0) await new Promise((r) => setImmediate(r)); // let the sockets drain as a server would
    }
    await within(
      (async () => {
        while (feed.clients > 1) await new Promise((r) => setTimeout(r, 20));
      })(),
      10_000,
      "the sleeping browser dropped",
    );
    expect(feed.clients).toBe(1);
    // Woken, it finds its stream ended (its EventSource would reconnect).
    sleeper.socket.resume();
    await within(sleeper.closed, 10_000, "the sleeping browser's socket to close");
    await within(
      (async () => {
        while (!reader.tail().includes(`step ${events - 1} `)) await new Promise((r) => setTimeout(r, 20));
      })(),
      15_000,
      "the reading browser to get the last event",
    );
    reader.socket.destroy();
    figures.push(`a browser that stopped reading under ${events} progress events (~${Math.round((events * 200) / 1024 / 1024)} MB): dropped; the reading one got all ${(reader.bytes() / 1024 / 1024).toFixed(1)} MB`);
  }, 40_000);

  it("`serve` with dashboards following (one not reading): SIGTERM ends the streams and exits 0 at once; one follower too many gets 503", async () => {
    const dir = await tempDir("orch-fault-dashboard-");
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await mkdir(path.join(dir, "orchestrator_tasks"), { recursive: true });
    await writeFile(path.join(dir, "config.yaml"), "claude:\n  kill_grace: 1\n");
    const service = await startService(dir, { WEBHOOK_SECRET: SECRET });
    services.push(service);
    const signedIn = await fetch(`${service.url}/dashboard/login`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: `secret=${SECRET}`, redirect: "manual", signal: AbortSignal.timeout(10_000) });
    expect(signedIn.status).toBe(303);
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
    expect(cookie).toMatch(/^orchestrator_dashboard=/);
    const port = Number(new URL(service.url).port);
    const followers = Array.from({ length: 20 }, (_, i) => follow(port, "/dashboard/events", { Cookie: cookie }, i !== 0));
    await within(
      (async () => {
        while (followers.slice(1).some((f) => !f.tail().includes("retry: 3000"))) await new Promise((r) => setTimeout(r, 20));
      })(),
      10_000,
      "20 followers attached",
    );
    const extra = await fetch(`${service.url}/dashboard/events`, { headers: { Cookie: cookie }, signal: AbortSignal.timeout(10_000) });
    expect(extra.status).toBe(503);
    expect(extra.headers.get("retry-after")).toBe("30");
    await extra.text();

    const t0 = Date.now();
    const stopped = await within(service.stop("SIGTERM"), 15_000, "serve to exit after SIGTERM");
    const exitMs = Date.now() - t0;
    expect(stopped.exitCode).toBe(0);
    // The one that was not reading sees its end only once it reads again (a paused socket reports nothing).
    for (const f of followers) f.socket.resume();
    await within(Promise.all(followers.map((f) => f.closed)), 5000, "every stream ended");
    figures.push(`serve with 20 dashboards following (one not reading): SIGTERM exit 0 in ${exitMs} ms, every stream ended; the 21st got 503 (Retry-After 30)`);
  }, 60_000);
});
