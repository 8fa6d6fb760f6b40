import { afterEach, describe, expect, it } from "@jest/globals";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { NotificationPayload } from "../../src/core/state.js";
import { MAX_ANSWER_BYTES, postNotification } from "../../src/notify/post-notification.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const entry = { id: "S1-1", event: "task_completed" } as NotificationPayload;

/** An "n8n" that answers `status` at once and then streams a body as `body` says, counting what it wrote. */
async function answering(status: number, body: (res: ServerResponse, sent: { bytes: number }) => void): Promise<{ url: string; sent: { bytes: number } }> {
  const sent = { bytes: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(status, { "Content-Type": "application/json" });
      body(res, sent);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, sent };
}

/** Writes 64 kB chunks as fast as the client reads them, until it goes away. */
function endless(res: ServerResponse, sent: { bytes: number }): void {
  const chunk = Buffer.alloc(64 * 1024, 120);
  const pump = () => {
    while (!res.destroyed && res.write(chunk)) sent.bytes += chunk.length;
  };
  res.on("drain", pump);
  pump();
}

const post = (url: string, timeoutMs = 5000) => postNotification(entry, { url, secret: null, timeoutMs, signal: new AbortController().signal, fetch });

describe("postNotification and the answer's body", () => {
  it("counts a 200 with an endless body as delivered at once, reading only the first 64 kB", async () => {
    const { url, sent } = await answering(200, endless);
    const began = Date.now();
    expect(await post(url)).toEqual({ kind: "delivered", status: 200 });
    // Before: it read until the 5 s timeout (gigabytes in memory), then called it failed.
    expect(Date.now() - began).toBeLessThan(1500);
    expect(sent.bytes).toBeLessThan(64 * MAX_ANSWER_BYTES);
  });

  it("counts a 200 whose body trickles past the timeout as delivered, not as a failure to send again", async () => {
    const { url } = await answering(200, (res) => {
      res.write("{");
      const timer = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(timer));
    });
    const began = Date.now();
    expect(await post(url, 400)).toEqual({ kind: "delivered", status: 200 });
    expect(Date.now() - began).toBeLessThan(1500);
  });

  it("still classifies a 500 with an endless body as a failure worth a retry", async () => {
    const { url } = await answering(500, endless);
    expect(await post(url)).toEqual({ kind: "failed", status: 500, reason: "HTTP 500", retryAfterMs: null });
  });

  it("reads a small answer to its end (the connection can be reused)", async () => {
    const { url } = await answering(200, (res) => res.end('{"ok":true}'));
    expect(await post(url)).toEqual({ kind: "delivered", status: 200 });
  });
});
