/**
 * The dashboard in a real browser: headless Chromium (puppeteer-core) against the real
 * `orchestrator serve` with the fake claude, in a temp git project (claude.permissions: ask).
 * Sign in (a wrong secret first), watch a task's live output arrive over SSE, press Approve,
 * answer its permission request, see its diff (side by side, then unified), see the report chart;
 * a POST without the CSRF token is refused. A screenshot of each step goes to <temp>/screenshots
 * (BROWSER_SCREENSHOTS=<dir> keeps them there instead). No page may break the CSP.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { makeE2eProject, postWebhook, type E2eProject } from "../support/e2e-project.js";
import { startService, type RunningService } from "../support/start-service.js";

const CHROMIUM = process.env.BROWSER_EXECUTABLE ?? "/usr/bin/chromium";
const SECRET = "browser-test-secret-0123456789";
const ASK = `FAKE_CLAUDE_ASK: Bash ${JSON.stringify({ command: "touch made.txt" })}`;

let project: E2eProject;
let service: RunningService;
let browser: Browser;
let page: Page;
let shots: string;
const problems: string[] = [];
/** Answers of 400 and up the page got: only the refusals this test asks for may be among them. */
const refusals: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set BROWSER_EXECUTABLE)`);
  project = await makeE2eProject();
  shots = process.env.BROWSER_SCREENSHOTS ?? path.join(project.orchDir, "..", "screenshots");
  await mkdir(shots, { recursive: true });
  await project.writeConfig(`webhooks:\n  secret: ${JSON.stringify(SECRET)}\n`, { permissions: "ask" });
  service = await startService(project.orchDir, { ...project.env, FAKE_CLAUDE_ASK_DELAY_MS: "1500" });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--headless=new"] });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on("console", (m) => {
    // A refusal the test provokes is logged as "Failed to load resource"; `refusals` checks those.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400) refusals.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  page.on("pageerror", (e) => problems.push(String(e)));
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await service?.stop().catch(() => undefined);
  await project?.cleanup();
});

async function shot(name: string): Promise<void> {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const head = (await readFile(file)).subarray(0, 4);
  expect(head.toString("hex")).toBe("89504e47");
}

const text = (selector: string) => page.$eval(selector, (el) => el.textContent ?? "");

describe("the dashboard in Chromium", () => {
  it("a wrong secret is refused; the right one signs in", async () => {
    await page.goto(`${service.url}/`);
    expect(new URL(page.url()).pathname).toBe("/dashboard/login");
    await shot("01-login");
    await page.type("#secret", "not-the-secret");
    const [refused] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(refused?.status()).toBe(401);
    expect(await text(".error")).toContain("That is not the webhook secret.");
    await shot("02-wrong-secret");
    await page.type("#secret", SECRET);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(new URL(page.url()).pathname).toBe("/");
    const cookie = (await browser.cookies()).find((c) => c.name === "orchestrator_dashboard");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    await page.waitForSelector('body[data-live="open"]');
    await shot("03-signed-in");
  });

  it("a POST without the CSRF token is refused (403)", async () => {
    const status = await page.evaluate(async () => (await fetch("/dashboard/action/pause", { method: "POST" })).status);
    expect(status).toBe(403);
    const wrong = await page.evaluate(async () => (await fetch("/dashboard/action/pause", { method: "POST", headers: { "X-CSRF-Token": "forged" } })).status);
    expect(wrong).toBe(403);
  });

  it("shows the approval, runs the task on Approve, streams its output and takes the permission answer", async () => {
    const tasks = [
      `## Task 1: Write hello\n**Type:** backend\n**Description:** the first\n**Claude Instruction:**\nFAKE_CLAUDE_WRITE: hello.txt Hello from the dashboard\n${ASK}\n`,
      `## Task 2: Write two\n**Type:** backend\n**Description:** the second\n**Claude Instruction:**\nFAKE_CLAUDE_WRITE: two.txt second file\n`,
    ].join("\n---\n\n");
    const file = await project.writeTasks("browser-tasks.md", tasks);
    expect((await postWebhook(service.url, "start", { task_file: file }, SECRET)).status).toBe(200);
    // The SSE "change" reloads the status partial: no reload of the page, no polling.
    await page.waitForSelector('button[data-action="approve"]', { timeout: 15_000 });
    expect(await text("#approval")).toContain("Waiting because");
    expect(await page.$('#session [data-status="waiting_approval"]')).not.toBeNull();
    await shot("04-waiting-approval");
    await page.click('button[data-action="approve"]');
    await page.waitForFunction('document.getElementById("live-latest").textContent.includes("hello.txt")', { timeout: 15_000 });
    expect(await text("#live-latest")).toMatch(/Task 1 · 🔧 .*hello\.txt/);
    await shot("05-live-output");
    await page.waitForSelector('[data-permission] button[data-decision="allow"]', { timeout: 15_000 });
    expect(await text("[data-permission]")).toContain("touch made.txt");
    await shot("06-permission-request");
    await page.click('[data-permission] button[data-decision="allow"]');
    await page.waitForSelector('#flash p[data-ok="true"]');
    await page.waitForSelector('tr[data-task="1"] .status-completed', { timeout: 15_000 });
    await page.waitForSelector('button[data-action="approve"]', { timeout: 15_000 });
    await page.click('button[data-action="approve"]');
    await page.waitForSelector('[data-status="completed"]', { timeout: 15_000 });
    await shot("07-session-completed");
    const asks = (await readFile(path.join(project.recordDir, "permissions.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { response: { behavior?: string } | null });
    expect(asks).toHaveLength(1);
    expect(JSON.stringify(asks[0]?.response)).toContain("allow");
  });

  it("draws the task's diff side by side and unified", async () => {
    await page.goto(`${service.url}/dashboard/task/1`);
    await page.waitForSelector("#diff-view .d2h-file-wrapper");
    expect(await text("#diff-view")).toContain("hello.txt");
    expect(await text("#diff-view")).toContain("Hello from the dashboard");
    expect(await page.$("#diff-view .d2h-file-side-diff")).not.toBeNull();
    await shot("08-diff-side-by-side");
    await page.click('[data-diff-format="line-by-line"]');
    await page.waitForSelector('#diff-view[data-format="line-by-line"]');
    expect(await page.$("#diff-view .d2h-file-side-diff")).toBeNull();
    await shot("09-diff-unified");
  });

  it("shows the day's report with its chart, and the history search", async () => {
    await page.goto(`${service.url}/dashboard/report`);
    await page.waitForSelector('canvas#report-chart[data-drawn="2"]');
    const size = await page.$eval("canvas#report-chart", (c) => ({ w: (c as unknown as { width: number }).width, h: (c as unknown as { height: number }).height }));
    expect(size.w).toBeGreaterThan(100);
    expect(size.h).toBeGreaterThan(100);
    expect(await text("#report")).toContain("Write hello");
    await shot("10-report-chart");
    await page.goto(`${service.url}/dashboard/history?q=approve`);
    expect(await text("#history-result")).toContain("dashboard 127.0.0.1");
    await shot("11-history");
  });

  it("fits a phone screen", async () => {
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await page.goto(`${service.url}/`);
    await page.waitForSelector("#task-list");
    const overflow = (await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number;
    expect(overflow).toBeLessThanOrEqual(1);
    await shot("12-phone");
    // Every page of the run kept to the CSP and threw nothing.
    expect(problems).toEqual([]);
    expect(refusals.filter((r) => r !== "404 /favicon.ico")).toEqual(["401 /dashboard/login", "403 /dashboard/action/pause", "403 /dashboard/action/pause"]);
  });
});
