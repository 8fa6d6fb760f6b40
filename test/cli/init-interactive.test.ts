/**
 * `orchestrator init` asked on a real terminal: the bin runs under a pseudo-terminal (util-linux
 * `script`), and the test types keys into it as a person would, reading the prompts' output.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { execa, type ResultPromise } from "execa";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../../src/config/load-config.js";
import { FAKE_TOKEN, FakeBotApi } from "../fixtures/fake-bot-api/fake-bot-api.js";
import { BIN, tempDir } from "../support/run-orchestrator-bin.js";

const ENTER = "\r";
const DOWN = "\x1b[B";
const CLEAR_LINE = "\x15"; // Ctrl-U: readline clears what was typed
const CTRL_C = "\x03";

const dirs: string[] = [];
let fake: FakeBotApi | null = null;
let child: ResultPromise | null = null;
afterEach(async () => {
  child?.kill("SIGKILL");
  await child?.catch(() => undefined);
  child = null;
  await fake?.close();
  fake = null;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** The bin under a pseudo-terminal; `expect(text)` waits for the text in the screen output (escape codes removed). */
function terminal(cwd: string, args: string[], apiRoot: string) {
  const quoted = ["node", BIN, "init", ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const proc = execa("script", ["-qfec", quoted, "/dev/null"], {
    cwd,
    reject: false,
    stdin: "pipe",
    env: { TELEGRAM_API_ROOT: apiRoot, TERM: "xterm", TELEGRAM_BOT_TOKEN: "", TELEGRAM_CHAT_ID: "" },
  });
  child = proc;
  let screen = "";
  let seen = 0;
  proc.stdout?.on("data", (chunk: Buffer) => {
    screen += chunk.toString("utf8").replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
  });
  return {
    proc,
    get screen() {
      return screen;
    },
    /** Waits for `text` after what the last expect matched. */
    async expect(text: string, ms = 15_000): Promise<void> {
      const deadline = performance.now() + ms;
      for (;;) {
        const at = screen.indexOf(text, seen);
        if (at >= 0) {
          seen = at + text.length;
          return;
        }
        if (performance.now() > deadline) throw new Error(`the terminal never showed ${JSON.stringify(text)}; it shows:\n${screen.slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    type(keys: string): void {
      proc.stdin?.write(keys);
    },
  };
}

async function dir(): Promise<string> {
  const d = await tempDir("orch-init-tty-");
  dirs.push(d);
  return d;
}

describe("orchestrator init on a terminal", () => {
  it("asks each question with its default, re-asks a refused token, finds the chat, writes the answers", async () => {
    fake = await FakeBotApi.start();
    const f = fake;
    const cwd = await dir();
    await execa("git", ["init", "-q", cwd]);
    const t = terminal(cwd, [], f.apiRoot);

    await t.expect("The project folder Claude works in");
    await t.expect(cwd); // the default shown
    t.type(ENTER);
    await t.expect("a git repository");
    await t.expect("Approval mode");
    t.type(DOWN + ENTER); // required → auto
    await t.expect("Drive it from Telegram");
    t.type(ENTER); // default yes
    await t.expect("Bot token");
    t.type("999:wrong" + ENTER);
    await t.expect("401 Unauthorized");
    t.type(CLEAR_LINE + FAKE_TOKEN + ENTER);
    await t.expect("✓ @orchestrator_test_bot");
    await t.expect("Send any message to @orchestrator_test_bot now");
    await f.waitUntil(() => f.calls("getUpdates").length > 0, 10_000, "init's first getUpdates");
    f.pushMessage(555, "hello bot");
    await t.expect("✓ chat 555 (@tester555)");
    await t.expect("Send every event to an n8n webhook?");
    t.type("y" + ENTER);
    await t.expect("n8n webhook URL");
    t.type("not a url" + ENTER);
    await t.expect("an http:// or https:// URL");
    t.type(CLEAR_LINE + "http://127.0.0.1:5678/webhook/orchestrator" + ENTER);
    await t.expect("Next: npm start");
    const { exitCode } = await t.proc;
    expect(exitCode).toBe(0);
    expect(t.screen).not.toContain(FAKE_TOKEN);
    expect(t.screen).toContain("123456:****");
    expect(f.sent.map((s) => [s.chat_id, s.text])).toEqual([[555, "Orchestrator is set up ✓"]]);

    const config = await loadConfig({ cwd, env: {} });
    expect(config.orchestrator.approval_mode).toBe("auto");
    expect(config.claude.project_dir).toBe(cwd);
    expect(config.telegram.chat_ids).toEqual(["555"]);
    expect(config.webhooks.n8n_notify_url).toBe("http://127.0.0.1:5678/webhook/orchestrator");
    expect((await stat(path.join(cwd, ".env"))).mode & 0o777).toBe(0o600);
  }, 60_000);

  it("asks before replacing an existing config.yaml, and keeps it when told no", async () => {
    fake = await FakeBotApi.start();
    const cwd = await dir();
    await writeFile(path.join(cwd, "config.yaml"), "# mine\n");
    const t = terminal(cwd, [], fake.apiRoot);
    await t.expect("config.yaml already exists. Replace it?");
    t.type("n" + ENTER);
    await t.expect("kept config.yaml; nothing written.");
    expect((await t.proc).exitCode).toBe(1);
    expect(await readFile(path.join(cwd, "config.yaml"), "utf8")).toBe("# mine\n");
    expect(await readdir(cwd)).toEqual(["config.yaml"]);
  }, 60_000);

  it("Ctrl-C while it waits for the message to the bot cancels cleanly: exit 130, nothing written", async () => {
    fake = await FakeBotApi.start();
    const f = fake;
    const cwd = await dir();
    const t = terminal(cwd, ["--approval-mode", "auto", "--bot-token", FAKE_TOKEN, "--no-n8n"], f.apiRoot);
    await t.expect("The project folder Claude works in");
    t.type(ENTER);
    await t.expect("Send any message to @orchestrator_test_bot now");
    await f.waitUntil(() => f.calls("getUpdates").length > 0, 10_000, "init's first getUpdates");
    t.type(CTRL_C);
    await t.expect("cancelled: nothing written.");
    expect((await t.proc).exitCode).toBe(130);
    expect(await readdir(cwd)).toEqual([]);
    expect(f.sent).toEqual([]);
  }, 60_000);

  it("Ctrl-C at a prompt cancels too", async () => {
    fake = await FakeBotApi.start();
    const cwd = await dir();
    const t = terminal(cwd, [], fake.apiRoot);
    await t.expect("The project folder Claude works in");
    t.type(CTRL_C);
    await t.expect("cancelled: nothing written.");
    expect((await t.proc).exitCode).toBe(130);
    expect(await readdir(cwd)).toEqual([]);
  }, 60_000);
});
