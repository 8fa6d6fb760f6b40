import { describe, expect, it } from "@jest/globals";
import { loadConfig } from "../../src/config/load-config.js";
import { describeServiceLines } from "../../src/app/describe-service.js";
import { createIdleState } from "../../src/core/state.js";

describe("describeServiceLines", () => {
  it("names each problem right after the address, and none when all is well", async () => {
    const config = await loadConfig({ configPath: null, cwd: "/tmp", env: {} });
    const base = { config, url: "http://127.0.0.1:5000", secret: { file: null, created: false }, telegram: false, state: createIdleState() };
    const lines = describeServiceLines({ ...base, problems: ["logs are not being written: EROFS: read-only file system, open '/x/2026-12-01.log'", "cannot save the state: ENOSPC"] });
    expect(lines.slice(0, 3)).toEqual([
      "Orchestrator serving at http://127.0.0.1:5000",
      "⚠️ degraded: logs are not being written: EROFS: read-only file system, open '/x/2026-12-01.log'",
      "⚠️ degraded: cannot save the state: ENOSPC",
    ]);
    expect(describeServiceLines(base).some((l) => l.includes("degraded"))).toBe(false);
  });

  it("says whether the dashboard is served and how to sign in, and nothing when serve does not tell", async () => {
    const config = await loadConfig({ configPath: null, cwd: "/tmp", env: {} });
    const base = { config, url: "http://127.0.0.1:5000", secret: { file: null, created: false }, telegram: false, state: createIdleState() };
    expect(describeServiceLines({ ...base, dashboard: true })).toContain("dashboard: on at http://127.0.0.1:5000/ (sign in with the webhook secret, or send /dashboard to the bot for a link)");
    expect(describeServiceLines({ ...base, dashboard: false }).filter((l) => l.startsWith("dashboard:"))).toEqual(["dashboard: off (dashboard.enabled; on a host other than loopback it needs webhooks.secret set explicitly)"]);
    expect(describeServiceLines(base).some((l) => l.startsWith("dashboard:"))).toBe(false);
  });
});
