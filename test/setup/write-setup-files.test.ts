import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config/load-config.js";
import { renderConfigYaml, renderDotenv, type SetupAnswers } from "../../src/setup/setup-answers.js";
import { SetupError } from "../../src/setup/setup-error.js";
import { existingSetupFiles, writeSetupFiles } from "../../src/setup/write-setup-files.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "orch-setup-"));
  dirs.push(d);
  return d;
}

const answers: SetupAnswers = {
  projectDir: "work",
  approvalMode: "auto",
  telegram: { botToken: "123456:TEST-token_for-the-fake", chatId: 777, botName: "orchestrator_test_bot" },
  n8nNotifyUrl: "http://127.0.0.1:5678/webhook/orchestrator#frag",
  webhookSecret: "ab".repeat(32),
};
const files = (dir: string, a: SetupAnswers = answers, overwrite = false) => ({ configFile: path.join(dir, "config.yaml"), configText: renderConfigYaml(a), dotenvText: renderDotenv(a), overwrite });

describe("writeSetupFiles", () => {
  it("writes a config the real loader reads back with every answer, and a .env of mode 0600", async () => {
    const dir = await tmp();
    const written = await writeSetupFiles(files(dir));
    expect(written).toEqual({ configFile: path.join(dir, "config.yaml"), dotenvFile: path.join(dir, ".env") });
    expect((await stat(written.dotenvFile)).mode & 0o777).toBe(0o600);
    const config = await loadConfig({ cwd: dir, env: {} });
    expect(config.orchestrator.approval_mode).toBe("auto");
    expect(config.claude.project_dir).toBe(path.join(dir, "work"));
    expect(config.telegram.bot_token).toBe("123456:TEST-token_for-the-fake");
    expect(config.telegram.chat_ids).toEqual(["777"]);
    expect(config.webhooks.secret).toBe("ab".repeat(32));
    expect(config.webhooks.n8n_notify_url).toBe("http://127.0.0.1:5678/webhook/orchestrator#frag");
    // Only the chosen keys are in config.yaml; no secret is.
    const text = await readFile(written.configFile, "utf8");
    expect(text).not.toContain("TEST-token");
    expect(text).not.toContain("abab");
    expect(text).not.toMatch(/^\s*(server|telegram|webhooks|git|paths|logging):/m);
    // The staging folder is gone.
    expect((await readdir(dir)).sort()).toEqual([".env", "config.yaml"]);
  });

  it("leaves Telegram and n8n out when they are off, and the config still loads", async () => {
    const dir = await tmp();
    await writeSetupFiles(files(dir, { ...answers, projectDir: ".", telegram: null, n8nNotifyUrl: null }));
    const env = await readFile(path.join(dir, ".env"), "utf8");
    expect(env).toMatch(/^WEBHOOK_SECRET=/m);
    expect(env).not.toMatch(/TELEGRAM|N8N/);
    const config = await loadConfig({ cwd: dir, env: {} });
    expect(config.telegram.bot_token).toBeNull();
    expect(config.claude.project_dir).toBe(dir);
  });

  it("refuses, with the loader's message, a config that does not load, and writes nothing", async () => {
    const dir = await tmp();
    const bad = { ...files(dir), configText: "orchestrator:\n  approval_mode: sometimes\n" };
    const error = (await writeSetupFiles(bad).catch((e: unknown) => e)) as SetupError;
    expect(error).toBeInstanceOf(SetupError);
    expect(error.message).toMatch(/does not load, so nothing was written: .*approval_mode/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a .env value the loader refuses (a chat id that is no number) is refused too", async () => {
    const dir = await tmp();
    const bad = { ...files(dir), dotenvText: "TELEGRAM_CHAT_ID=me\n" };
    await expect(writeSetupFiles(bad)).rejects.toThrow(/TELEGRAM_CHAT_ID/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("never replaces a file that exists unless told to", async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, "config.yaml"), "# mine\n");
    expect(await existingSetupFiles(path.join(dir, "config.yaml"))).toEqual([path.join(dir, "config.yaml")]);
    await expect(writeSetupFiles(files(dir))).rejects.toThrow(/config\.yaml appeared while init ran; it was left as it is/);
    expect(await readFile(path.join(dir, "config.yaml"), "utf8")).toBe("# mine\n");
    expect(await readdir(dir)).toEqual(["config.yaml"]); // the .env linked first was taken back
    await writeSetupFiles(files(dir, answers, true));
    expect(await readFile(path.join(dir, "config.yaml"), "utf8")).toContain("approval_mode: auto");
    expect((await stat(path.join(dir, ".env"))).mode & 0o777).toBe(0o600);
  });
});
