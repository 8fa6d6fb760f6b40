import { describe, expect, it } from "@jest/globals";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { groupAlive, orchestratorBin, readState, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { freePort, startService } from "../support/start-service.js";

const post = (url: string, body: unknown, secret?: string) =>
  fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...(secret ? { "X-Webhook-Secret": secret } : {}) }, body: JSON.stringify(body) });

describe("orchestrator serve", () => {
  it("starts on embedded defaults, makes a 0600 secret, says what is on and off, and never accepts commands unauthenticated", async () => {
    const dir = await tempDir();
    const service = await startService(dir);
    try {
      const secretFile = path.join(dir, ".webhook-secret");
      expect(((await stat(secretFile)).mode & 0o777).toString(8)).toBe("600");
      const secret = (await readFile(secretFile, "utf8")).trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      const out = service.output();
      expect(out).toContain(secretFile);
      expect(out).not.toContain(secret);
      expect(out).toMatch(/Telegram bot: off \(set TELEGRAM_BOT_TOKEN/);
      expect(out).toMatch(/n8n notifications: off \(set N8N_NOTIFY_URL\)/);
      expect(out).toContain(path.join(dir, "state.json"));
      const health = await fetch(`${service.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok" });
      expect((await post(`${service.url}/webhook/status`, {})).status).toBe(401);
      const status = await post(`${service.url}/webhook/status`, {}, secret);
      expect(status.status).toBe(200);
      expect(await status.json()).toMatchObject({ status: "idle", task: 0, total: 0 });
    } finally {
      expect((await service.stop()).exitCode).toBe(0);
    }
    // A restart reuses the stored secret.
    const again = await startService(dir);
    try {
      expect(again.output()).toMatch(/secret read from/);
    } finally {
      await again.stop();
    }
  });

  it("is driven by the orchestrator CLI client, and on SIGTERM ends the running task as interrupted and exits 0", async () => {
    const dir = await tempDir();
    const port = await freePort();
    await mkdir(path.join(dir, "orchestrator_tasks"));
    await writeFile(
      path.join(dir, "orchestrator_tasks", "day-tasks.md"),
      "## Task 1: Hang around\n**Description:** wait\n**Claude Instruction:**\nFAKE_CLAUDE: hang\n---\n## Task 2: Second\n**Description:** two\n",
    );
    const env = { PORT: String(port), WEBHOOK_SECRET: "s3cret-for-the-cli-test" };
    const service = await startService(dir, env);
    const cli = (...args: string[]) => orchestratorBin(args, { cwd: dir, env });
    let pgid = 0;
    try {
      const started = await cli("start", "day-tasks.md");
      expect(started.exitCode).toBe(0);
      expect(started.stdout).toMatch(/Loaded 2 tasks/);
      const refused = await cli("retry");
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(/Send \/approve/);
      expect((await cli("approve")).exitCode).toBe(0);
      pgid = await waitFor(async () => (await readState(dir)).tasks[0]?.pgid ?? undefined, 15_000, "pgid");
      const status = await cli("status");
      expect(status.stdout).toMatch(/Running/);
      const logs = await cli("logs", "5");
      expect(logs.exitCode).toBe(0);
      expect(logs.stdout.split("\n").filter(Boolean).length).toBeLessThanOrEqual(5);
    } catch (error) {
      await service.stop("SIGKILL");
      throw error;
    }
    const stopped = await service.stop("SIGTERM");
    expect(stopped.exitCode).toBe(0);
    expect(groupAlive(pgid)).toBe(false);
    const state = await readState(dir);
    expect(state.tasks[0]?.status).toBe("interrupted");
    expect(state.status).toBe("waiting_approval");
    // With the service gone, status falls back to the saved state; commands say no service runs.
    expect((await cli("status")).stdout).toMatch(/Waiting for approval/);
    const gone = await cli("approve");
    expect(gone.exitCode).toBe(5);
    expect(gone.stderr).toMatch(/no orchestrator is serving/);
  });
});
