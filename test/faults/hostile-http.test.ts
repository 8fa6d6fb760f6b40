/**
 * Hostile HTTP against a real `orchestrator serve`: a flood of wrong secrets, slow headers on 200
 * sockets (slowloris), a 10 MB body, a gzip bomb, deep nesting, `__proto__` keys, path tricks in
 * task_file, and FIFOs in tasks_dir. Each asserts the service keeps answering, memory stays
 * bounded and the person hears a clear reason. Loopback is 127.0.0.0/8, so tests that need a
 * client address of their own bind one (127.0.0.2, ...): the failed-secret block is per address.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { makeFifo } from "../support/make-fifo.js";
import { readState, tempDir } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { processesWithMarker } from "./fault-helpers.js";

const SECRET = "hostile-http-secret-0123456789";
const TASKS = "## Task 1: One\n**Description:** one\n**Claude Instruction:**\nFAKE_CLAUDE: hang\n\n---\n\n## Task 2: Two\n**Description:** two\n";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: Record<string, unknown>;
  ms: number;
}

/**
 * One request over a fresh connection from `from` (a loopback address), with a 10 s bound.
 * `body` is sent as given (a string, a Buffer, or a stream sent chunked).
 */
function send(url: string, method: string, urlPath: string, opts: { from?: string; body?: string | Buffer | Readable; headers?: Record<string, string> } = {}): Promise<Reply> {
  const started = performance.now();
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request(`${url}${urlPath}`, { method, localAddress: opts.from ?? "127.0.0.1", agent: false, headers: opts.headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = { raw: text.slice(0, 200) };
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json, ms: performance.now() - started });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} got no answer within 10 s`)));
    // The server may answer (413/415) and close before the whole body is sent.
    req.on("error", (e: NodeJS.ErrnoException) => (e.code === "EPIPE" || e.code === "ECONNRESET" ? undefined : reject(e)));
    if (opts.body instanceof Readable) opts.body.pipe(req);
    else req.end(opts.body);
  });
}

const jsonHeaders = (extra: Record<string, string> = {}) => ({ "content-type": "application/json", ...extra });
const authed = (extra: Record<string, string> = {}) => jsonHeaders({ "x-webhook-secret": SECRET, ...extra });

async function rssMb(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** Figures for RELIABILITY.md, printed at the end when FAULT_FIGURES is set (quiet otherwise). */
const figures: string[] = [];

describe("hostile HTTP against orchestrator serve", () => {
  let dir: string;
  let tasksDir: string;
  let service: RunningService;
  let pid: number;

  const status = async () => (await send(service.url, "POST", "/webhook/status", { body: "{}", headers: authed() })).json;

  beforeAll(async () => {
    dir = await tempDir("hostile-http-");
    tasksDir = path.join(dir, "orchestrator_tasks");
    await mkdir(tasksDir);
    await writeFile(path.join(tasksDir, "day-tasks.md"), TASKS);
    service = await startService(dir, { WEBHOOK_SECRET: SECRET });
    pid = service.process.pid ?? 0;
  });

  afterAll(async () => {
    if (service) {
      const { exitCode } = await service.stop("SIGTERM");
      expect(exitCode).toBe(0);
      expect(await processesWithMarker(`${pid}-`)).toEqual([]);
    }
    if (process.env.FAULT_FIGURES && figures.length > 0) process.stderr.write(`hostile-http figures:\n${figures.map((f) => `  ${f}`).join("\n")}\n`);
    await rm(dir, { recursive: true, force: true });
  });

  it("1,000 wrong secrets: 401 five times, then 429 with Retry-After; the address's right secret is blocked too, another address and /health are not; memory and latency stay flat", async () => {
    const guesser = "127.0.0.2";
    const rssBefore = await rssMb(pid);
    const replies: Reply[] = [];
    // 20 at a time: a flood, but one a test machine with two cores can time fairly.
    for (let i = 0; i < 1_000; i += 20) {
      replies.push(...(await Promise.all(Array.from({ length: 20 }, (_, j) => send(service.url, "POST", "/webhook/status", { from: guesser, headers: authed({ "x-webhook-secret": `wrong-${i + j}` }) })))));
    }
    const counts = { 401: 0, 429: 0, other: 0 };
    for (const r of replies) (r.status === 401 || r.status === 429 ? counts[r.status]++ : counts.other++);
    expect(counts).toEqual({ 401: 5, 429: 995, other: 0 });
    const blocked = replies.filter((r) => r.status === 429);
    for (const r of blocked) {
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
      expect(Number(r.headers["retry-after"])).toBeLessThanOrEqual(60);
      expect(r.json).toMatchObject({ error: "too_many_requests", message: expect.stringMatching(/^Too many failed secrets from this address; try again in \d+ s\.$/) });
    }
    // The README's promise: blocked per address, for a minute, whatever the secret.
    expect((await send(service.url, "POST", "/webhook/status", { from: guesser, headers: authed() })).status).toBe(429);
    expect((await send(service.url, "GET", "/health", { from: guesser })).status).toBe(200);
    const other = await send(service.url, "POST", "/webhook/status", { from: "127.0.0.3", headers: authed() });
    expect(other.status).toBe(200);
    const rssAfter = await rssMb(pid);
    const p50 = percentile(blocked.map((r) => r.ms), 50);
    const p99 = percentile(blocked.map((r) => r.ms), 99);
    expect(p99).toBeLessThan(500);
    expect(rssAfter - rssBefore).toBeLessThan(40);
    // One warning for the block, not one per refused request.
    expect(service.output().match(/blocking 127\.0\.0\.2/g)).toHaveLength(1);
    figures.push(`1,000 wrong secrets: 5x401 then 995x429 (Retry-After <= 60); 429 p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; RSS ${rssBefore} -> ${rssAfter} MB; another address 200 in ${other.ms.toFixed(1)} ms`);
  });

  it("slow headers on 200 sockets: other requests are answered meanwhile, and the server cuts every slow socket within its 10 s headers limit", async () => {
    const sockets: net.Socket[] = [];
    const closedAt: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 200; i++) {
      const s = net.connect({ host: "127.0.0.1", port: Number(new URL(service.url).port), localAddress: "127.0.0.4" });
      s.on("error", () => undefined);
      s.on("close", () => closedAt.push(Date.now() - started));
      s.write(`POST /webhook/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-${i}: `);
      sockets.push(s);
    }
    // A header byte per socket every 500 ms: never done, always almost.
    const drip = setInterval(() => sockets.forEach((s) => s.writable && s.write("a")), 500);
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      const during: Reply[] = [];
      for (let i = 0; i < 20; i++) during.push(await send(service.url, i % 2 ? "GET" : "POST", i % 2 ? "/health" : "/webhook/status", { from: "127.0.0.5", headers: authed() }));
      expect(during.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
      const p99 = percentile(during.map((r) => r.ms), 99);
      expect(p99).toBeLessThan(500);
      expect(closedAt).toHaveLength(0);
      // headersTimeout 10 s, checked every second: all cut by ~11 s; 15 s is the bound.
      const deadline = Date.now() + 15_000;
      while (closedAt.length < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(closedAt).toHaveLength(200);
      const last = Math.max(...closedAt);
      expect(last).toBeGreaterThanOrEqual(9_000);
      expect(last).toBeLessThan(13_000);
      figures.push(`200 slowloris sockets: 20 other requests p99 ${p99.toFixed(1)} ms meanwhile; all 200 cut by the server at ${(Math.min(...closedAt) / 1000).toFixed(1)}-${(last / 1000).toFixed(1)} s`);
    } finally {
      clearInterval(drip);
      sockets.forEach((s) => s.destroy());
    }
  });

  it("a 10 MB body is 413 without being read into memory, by Content-Length or chunked", async () => {
    const rssBefore = await rssMb(pid);
    const big = Buffer.alloc(10 * 1024 * 1024, "a");
    let sized!: Reply;
    // Twenty times: bodies kept in memory would show as 200 MB more.
    for (let i = 0; i < 20; i++) {
      sized = await send(service.url, "POST", "/webhook/retry", { body: big, headers: authed() });
      expect(sized.status).toBe(413);
    }
    expect(sized.json).toMatchObject({ error: "too_large", message: "The body is larger than 64kb." });
    const chunked = await send(service.url, "POST", "/webhook/retry", { body: Readable.from((function* () { for (let i = 0; i < 160; i++) yield Buffer.alloc(64 * 1024, "b"); })()), headers: authed() });
    expect(chunked.status).toBe(413);
    const rssAfter = await rssMb(pid);
    expect(rssAfter - rssBefore).toBeLessThan(60);
    figures.push(`20 x 10 MB body: 413 in ${sized.ms.toFixed(0)} ms (Content-Length), ${chunked.ms.toFixed(0)} ms (chunked); RSS ${rssBefore} -> ${rssAfter} MB`);
  });

  it("a gzip bomb (256 MB of zeros in ~250 KB) is refused with 415 before it is inflated", async () => {
    const rssBefore = await rssMb(pid);
    const zeros = Readable.from((function* () { for (let i = 0; i < 256; i++) yield Buffer.alloc(1024 * 1024, "0"); })());
    const chunks: Buffer[] = [];
    for await (const c of zeros.pipe(createGzip({ level: 9 }))) chunks.push(c as Buffer);
    const bomb = Buffer.concat(chunks);
    expect(bomb.length).toBeLessThan(300 * 1024);
    // With the header secret (it decides alone) and with none (the body would have to be read for it).
    for (const headers of [authed({ "content-encoding": "gzip" }), jsonHeaders({ "content-encoding": "gzip" })]) {
      const r = await send(service.url, "POST", "/webhook/status", { body: bomb, headers });
      expect(r.status).toBe(415);
      expect(r.json).toMatchObject({ error: "unsupported_media_type", message: "Compressed bodies are not accepted (Content-Encoding: gzip). Send plain UTF-8 JSON without Content-Encoding." });
    }
    const rssAfter = await rssMb(pid);
    expect(rssAfter - rssBefore).toBeLessThan(30);
    expect((await send(service.url, "GET", "/health")).status).toBe(200);
    figures.push(`gzip bomb (${Math.round(bomb.length / 1024)} KB -> 256 MB): 415, RSS ${rssBefore} -> ${rssAfter} MB`);
  });

  it("deep nesting: 100,000 levels is 413 (over 64 kb), 30,000 inside the limit parses without a crash", async () => {
    const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
    const huge = await send(service.url, "POST", "/webhook/status", { body: deep(100_000), headers: authed() });
    expect(huge.status).toBe(413);
    const bare = await send(service.url, "POST", "/webhook/status", { body: deep(30_000), headers: authed() });
    expect(bare.status).toBe(400);
    expect(bare.json.message).toBe('The body must be a JSON object, e.g. {"command": "status"}, not an array.');
    const inside = await send(service.url, "POST", "/webhook/status", { body: `{"x": ${deep(30_000)}}`, headers: authed() });
    expect(inside.status).toBe(200);
    expect((await send(service.url, "GET", "/health")).status).toBe(200);
    figures.push(`deep nesting: 100k levels 413 in ${huge.ms.toFixed(0)} ms; 30k levels bare 400 / in an object 200 in ${inside.ms.toFixed(0)} ms`);
  });

  it("__proto__ and constructor keys pollute nothing: later requests behave as before, and the command is still validated", async () => {
    const polluters = [
      `{"command": "status", "__proto__": {"command": "start", "lines": 1, "task_file": "day-tasks.md"}}`,
      `{"command": "status", "constructor": {"prototype": {"command": "start", "lines": 1}}}`,
    ];
    for (const body of polluters) expect((await send(service.url, "POST", "/webhook/command", { body, headers: authed() })).status).toBe(200);
    // Were Object.prototype.command polluted, an empty body would be a start; it is still "command is required".
    const empty = await send(service.url, "POST", "/webhook/command", { body: "{}", headers: authed() });
    expect(empty.status).toBe(400);
    expect(empty.json.message).toMatch(/^"command" is required/);
    const hidden = await send(service.url, "POST", "/webhook/command", { body: `{"__proto__": {"command": "start"}}`, headers: authed() });
    expect(hidden.status).toBe(400);
    // Were Object.prototype.lines polluted, /logs {} would give 1 line.
    const logs = await send(service.url, "POST", "/webhook/logs", { body: "{}", headers: authed() });
    expect(logs.status).toBe(200);
    expect(logs.json.lines).toBeGreaterThan(1);
    expect((await status()).status).toBe("idle");
  });

  it("path tricks in task_file are refused and start nothing: .., absolute, symlink out, NUL, URL-encoded", async () => {
    await writeFile(path.join(dir, "outside.md"), TASKS);
    await symlink(path.join(dir, "outside.md"), path.join(tasksDir, "link-out.md"));
    const tricks: [string, number][] = [
      ["../outside.md", 400],
      ["../../../../etc/passwd", 400],
      ["/etc/passwd", 400],
      [path.join(dir, "outside.md"), 400],
      ["link-out.md", 400],
      ["day-tasks.md\u0000.png", 400],
      ["..%2Foutside.md", 404], // taken literally: no such file inside the folder
      ["%2e%2e/outside.md", 404],
      ["orchestrator_tasks/../../outside.md", 400],
    ];
    for (const [taskFile, status] of tricks) {
      const r = await send(service.url, "POST", "/webhook/start", { body: JSON.stringify({ task_file: taskFile }), headers: authed() });
      expect([taskFile, r.status]).toEqual([taskFile, status]);
      expect(JSON.stringify(r.json)).not.toMatch(/root:x:0/);
    }
    const routed = await send(service.url, "POST", "/webhook/..%2fstart", { body: "{}", headers: authed() });
    expect(routed.status).toBe(404);
    expect((await status()).status).toBe("idle");
  });

  it("FIFOs: eight concurrent starts on one are 400 at once, and /webhook/logs and /webhook/pause answer within 2 s", async () => {
    await makeFifo(path.join(tasksDir, "fifo.md"));
    await makeFifo(path.join(tasksDir, "fifo.yaml"));
    // A session waiting for approval, so /pause must save the state (file I/O, libuv's pool).
    expect((await send(service.url, "POST", "/webhook/start", { body: JSON.stringify({ task_file: "day-tasks.md" }), headers: authed() })).status).toBe(200);
    const starts = await Promise.all(Array.from({ length: 8 }, (_, i) => send(service.url, "POST", "/webhook/start", { body: JSON.stringify({ task_file: i % 2 ? "fifo.md" : "fifo.yaml" }), headers: authed() })));
    for (const r of starts) {
      expect(r.status).toBe(400);
      expect(r.json.message).toMatch(/^task_file "fifo\.(md|yaml)" is a FIFO \(named pipe\), not a regular file: send the name of a \.md or \.yaml task file in orchestrator_tasks\/\. Files there: /);
    }
    const logs = await send(service.url, "POST", "/webhook/logs", { body: "{}", headers: authed() });
    const pause = await send(service.url, "POST", "/webhook/pause", { body: "{}", headers: authed() });
    expect(logs.status).toBe(200);
    expect(pause.status).toBe(200);
    expect(logs.ms).toBeLessThan(2_000);
    expect(pause.ms).toBeLessThan(2_000);
    expect((await readState(dir)).status).toBe("paused");
    figures.push(`8 FIFO starts: each 400 in <= ${Math.max(...starts.map((r) => r.ms)).toFixed(0)} ms; then /webhook/logs ${logs.ms.toFixed(0)} ms, /webhook/pause ${pause.ms.toFixed(0)} ms`);
  });
});
