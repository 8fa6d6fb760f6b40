import { describe, expect, it } from "@jest/globals";
import express from "express";
import http from "node:http";
import { startHttpServer } from "../../src/http/start-http-server.js";

function app() {
  const a = express();
  a.get("/", (_req, res) => void res.json({ hello: "world" }));
  return a;
}

describe("startHttpServer", () => {
  it("binds a free port for 0 and answers on its url", async () => {
    const server = await startHttpServer(app(), "127.0.0.1", 0);
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect(await (await fetch(server.url)).json()).toEqual({ hello: "world" });
    } finally {
      await server.close();
    }
  });

  it("says which port is in use and how to change it", async () => {
    const first = await startHttpServer(app(), "127.0.0.1", 0);
    try {
      await expect(startHttpServer(app(), "127.0.0.1", first.port)).rejects.toThrow(`port ${first.port} is in use: set PORT or server.port`);
    } finally {
      await first.close();
    }
  });

  it("closes promptly with an idle keep-alive connection open, and twice is fine", async () => {
    const server = await startHttpServer(app(), "127.0.0.1", 0);
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http.get(server.url, { agent }, (res) => {
        res.resume();
        res.on("end", resolve);
      }).on("error", reject);
    });
    const started = Date.now();
    await server.close();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
    agent.destroy();
  });

  it("brackets an IPv6 host in the url", async () => {
    const server = await startHttpServer(app(), "::1", 0).catch(() => null);
    if (server === null) return; // no IPv6 loopback on this machine
    try {
      expect(server.url).toBe(`http://[::1]:${server.port}`);
    } finally {
      await server.close();
    }
  });
});
