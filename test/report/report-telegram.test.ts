import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DayReporter } from "../../src/report/day-reporter.js";
import { CHAT, startBotHarness, type BotHarness } from "../telegram/bot-harness.js";

// The day report on the phone, with the real bot against the fake Bot API and a real
// orchestrator: /report sends the file as a document with the summary as its caption, and the
// report written when the session completes reaches the chat by itself.

describe("the day report in Telegram", () => {
  let h: BotHarness;
  let resultsDir: string;
  afterEach(async () => {
    await h.close();
    await rm(resultsDir, { recursive: true, force: true });
  });

  async function start(): Promise<DayReporter> {
    resultsDir = await mkdtemp(path.join(os.tmpdir(), "orch-report-tg-"));
    // Made before the bot (which hears its reports); it watches the orchestrator once that is up.
    const reporter = new DayReporter({ resultsDir, logsDir: path.join(resultsDir, "no-history"), budgetUsd: null, clock: { now: () => h.clock.now() } });
    h = await startBotHarness({ bot: { reports: reporter } });
    reporter.watch(h.orchestrator);
    // As serve.ts does: Control's /report and the completion share the app's one reporter.
    h.control.options.reports = reporter;
    return reporter;
  }

  it("a completed session's report comes as a document by itself; /report sends it again; another date is answered with the session's", async () => {
    const reporter = await start();
    const before = h.say("/report");
    const none = await h.sentContaining("No session today", before);
    expect(none.method).toBe("sendMessage");
    expect(none.text).toContain(`🔍 No session today (${h.today}): the state holds none yet, nothing to report.`);

    h.say("/start");
    await h.until((s) => s.status === "waiting_approval");
    for (let i = 0; i < 3; i++) {
      h.clock.advance(60_000);
      h.say("/approve");
      await h.until((s) => s.tasks[i]?.status === "completed");
    }
    const done = h.fake.sent.length;
    await h.until((s) => s.status === "completed");
    const auto = await h.fake.waitFor((e) => e.chat_id === CHAT && e.method === "sendDocument", 5000, done - 5);
    const file = path.join(resultsDir, `${h.today}-report.md`);
    expect(auto.document?.filename).toBe(`${h.today}-report.md`);
    expect(auto.document?.content).toBe(await readFile(file, "utf8"));
    expect(auto.text).toMatch(new RegExp(`^📊 Day report ${h.today} \\(session \\S+, completed\\)\\nTasks: 3 done of 3 · 100 % success\\n`));
    expect(auto.text).toContain("Waiting for you: 3 waits: median 1 min, longest 1 min (Task 1), 3 min in all");
    expect(auto.text.endsWith(`\n<code>${path.basename(resultsDir)}/${h.today}-report.md</code>`)).toBe(true);
    await reporter.idle();

    const asked = h.say(`/report ${h.today}`);
    const doc = await h.fake.waitFor((e) => e.chat_id === CHAT && e.method === "sendDocument", 5000, asked);
    expect(doc.document?.content).toBe(await readFile(file, "utf8"));
    expect(doc.text).toBe(auto.text);

    const other = h.say("/report 2000-01-01");
    expect((await h.sentContaining("No session on 2000-01-01", other)).text).toMatch(new RegExp(`^🔍 No session on 2000-01-01: the state holds session \\S+ of ${h.today} \\(completed\\)`));
    const bad = h.say("/report soon");
    expect((await h.sentContaining("YYYY-MM-DD", bad)).text).toMatch(/^❌ A report's date is YYYY-MM-DD/);
  });
});
