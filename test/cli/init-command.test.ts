import { afterEach, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../../src/config/load-config.js";
import { FAKE_TOKEN, FakeBotApi } from "../fixtures/fake-bot-api/fake-bot-api.js";
import { BIN, tempDir } from "../support/run-orchestrator-bin.js";

const dirs: string[] = [];
let fake: FakeBotApi | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function dir(): Promise<string> {
  const d = await tempDir("orch-init-");
  dirs.push(d);
  return d;
}
/** The bin, no terminal (stdin ignored), Telegram pointed at the fake. */
const init = (cwd: string, args: string[], apiRoot = fake?.apiRoot) =>
  execa("node", [BIN, "init", ...args], { cwd, reject: false, stdin: "ignore", env: { TELEGRAM_API_ROOT: apiRoot, TELEGRAM_BOT_TOKEN: "", TELEGRAM_CHAT_ID: "", WEBHOOK_SECRET: "" } });

describe("orchestrator init --yes", () => {
  it("checks the token, finds the chat from the person's message, sends the test message, writes both files", async () => {
    fake = await FakeBotApi.start();
    const cwd = await dir();
    const f = fake;
    f.pushMessage(111, "sent before init asked: not the one");
    const run = init(cwd, ["--yes", "--bot-token", FAKE_TOKEN, "--approval-mode", "manual", "--n8n-notify-url", "http://127.0.0.1:5678/webhook/orchestrator"]);
    await f.waitUntil(() => f.calls("getUpdates").length > 0, 20_000, "init's first getUpdates");
    f.pushMessage(4321, "hi");
    const { exitCode, stdout, stderr } = await run;
    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect(stdout).toContain("✓ @orchestrator_test_bot");
    expect(stdout).toContain("Send any message to @orchestrator_test_bot now");
    expect(stdout).toContain("✓ chat 4321 (@tester4321)");
    expect(stdout).toContain("not a git repository");
    expect(stdout).toContain("Next: npm start");
    expect(stdout).toContain("123456:****");
    expect(stdout).not.toContain(FAKE_TOKEN);
    expect(f.sent.map((s) => [s.chat_id, s.text])).toEqual([[4321, "Orchestrator is set up ✓"]]);

    expect((await stat(path.join(cwd, ".env"))).mode & 0o777).toBe(0o600);
    const env = await readFile(path.join(cwd, ".env"), "utf8");
    const secret = /^WEBHOOK_SECRET='([0-9a-f]{64})'$/m.exec(env)?.[1];
    expect(secret).toBeDefined();
    expect(stdout).not.toContain(secret);
    const config = await loadConfig({ cwd, env: {} });
    expect(config.orchestrator.approval_mode).toBe("manual");
    expect(config.claude.project_dir).toBe(cwd);
    expect(config.telegram.bot_token).toBe(FAKE_TOKEN);
    expect(config.telegram.chat_ids).toEqual(["4321"]);
    expect(config.webhooks.secret).toBe(secret);
    expect(config.webhooks.n8n_notify_url).toBe("http://127.0.0.1:5678/webhook/orchestrator");
  }, 30_000);

  it("a token Telegram refuses is an error (exit 2), with the token masked, and nothing is written", async () => {
    fake = await FakeBotApi.start();
    const cwd = await dir();
    const { exitCode, stdout, stderr } = await init(cwd, ["--yes", "--bot-token", "999:wrong-secret"]);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^orchestrator init: --bot-token 999:\*\*\*\*: Telegram refused to check the bot token: 401 Unauthorized/);
    expect(stdout + stderr).not.toContain("wrong-secret");
    expect(await readdir(cwd)).toEqual([]);
  }, 30_000);

  it("with --chat-id nothing is polled, the test message goes to that chat; --no-telegram and no n8n need no network", async () => {
    fake = await FakeBotApi.start();
    const cwd = await dir();
    await execa("git", ["init", "-q", cwd]);
    const one = await init(cwd, ["--yes", "--bot-token", FAKE_TOKEN, "--chat-id", "-1001"]);
    expect(one.exitCode).toBe(0);
    expect(one.stdout).toContain("a git repository");
    expect(fake.calls("getUpdates")).toEqual([]);
    expect(fake.sent.map((s) => s.chat_id)).toEqual([-1001]);

    // The token may come from the environment instead of the command line.
    const third = await dir();
    const fromEnv = await execa("node", [BIN, "init", "--yes", "--chat-id", "77"], { cwd: third, reject: false, stdin: "ignore", env: { TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_BOT_TOKEN: FAKE_TOKEN } });
    expect(fromEnv.exitCode).toBe(0);
    expect(fromEnv.stdout).toContain("✓ @orchestrator_test_bot");
    expect((await loadConfig({ cwd: third, env: {} })).telegram.bot_token).toBe(FAKE_TOKEN);

    const other = await dir();
    const two = await init(other, ["--yes", "--no-telegram", "--no-n8n", "--project-dir", cwd], "http://127.0.0.1:9");
    expect(two.exitCode).toBe(0);
    expect(two.stdout).toContain("Telegram: off");
    expect(await readFile(path.join(other, ".env"), "utf8")).not.toMatch(/TELEGRAM|N8N/);
    expect((await loadConfig({ cwd: other, env: {} })).claude.project_dir).toBe(cwd);
  }, 30_000);

  it("never replaces existing files: refused without --force (exit 2), replaced with it", async () => {
    const cwd = await dir();
    await writeFile(path.join(cwd, "config.yaml"), "# mine\n");
    await writeFile(path.join(cwd, ".env"), "MINE=1\n");
    const refused = await init(cwd, ["--yes", "--no-telegram"]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/config\.yaml and \.env already exist; nothing written\. Pass --force/);
    expect(await readFile(path.join(cwd, "config.yaml"), "utf8")).toBe("# mine\n");
    expect(await readFile(path.join(cwd, ".env"), "utf8")).toBe("MINE=1\n");

    const forced = await init(cwd, ["--yes", "--no-telegram", "--force", "--approval-mode", "auto"]);
    expect(forced.exitCode).toBe(0);
    expect((await loadConfig({ cwd, env: {} })).orchestrator.approval_mode).toBe("auto");
    expect((await stat(path.join(cwd, ".env"))).mode & 0o777).toBe(0o600);
  }, 30_000);

  it("bad flags are bad input; no terminal and no --yes says to pass --yes", async () => {
    const cwd = await dir();
    const mode = await init(cwd, ["--yes", "--no-telegram", "--approval-mode", "sometimes"]);
    expect(mode.exitCode).toBe(2);
    expect(mode.stderr).toContain('--approval-mode: "sometimes" is not one of required, auto, manual');
    const folder = await init(cwd, ["--yes", "--no-telegram", "--project-dir", "nowhere"]);
    expect(folder.exitCode).toBe(2);
    expect(folder.stderr).toContain("is not a folder");
    const noTty = await init(cwd, []);
    expect(noTty.exitCode).toBe(2);
    expect(noTty.stderr).toContain("no terminal to ask on. Pass --yes");
    expect(await readdir(cwd)).toEqual([]);
  }, 30_000);
});
