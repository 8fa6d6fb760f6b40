import { describe, it, expect } from "@jest/globals";
import { buildChildEnv } from "../../src/runner/child-env.js";

describe("buildChildEnv", () => {
  const base: NodeJS.ProcessEnv = {
    PATH: "/usr/bin",
    HOME: "/home/u",
    CLAUDECODE: "1",
    CLAUDE_CODE_ENTRYPOINT: "cli",
    TELEGRAM_BOT_TOKEN: "123:abc",
    WEBHOOK_SECRET: "s3cret",
    N8N_NOTIFY_URL: "https://n8n/x",
    ANTHROPIC_API_KEY: "sk-keep",
    EMPTY: "",
    GONE: undefined,
  };

  it("drops CLAUDECODE, CLAUDE_CODE_ENTRYPOINT, the named secrets and undefined values", () => {
    const env = buildChildEnv(base, ["TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "N8N_NOTIFY_URL"]);
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/home/u", ANTHROPIC_API_KEY: "sk-keep", EMPTY: "" });
  });

  it("always drops the nesting markers, even with no secrets named", () => {
    const env = buildChildEnv(base, []);
    expect(env).not.toHaveProperty("CLAUDECODE");
    expect(env).not.toHaveProperty("CLAUDE_CODE_ENTRYPOINT");
    expect(env.TELEGRAM_BOT_TOKEN).toBe("123:abc");
  });

  it("returns a copy and leaves the base alone", () => {
    const env = buildChildEnv(base, ["HOME"]);
    env.PATH = "changed";
    expect(base.PATH).toBe("/usr/bin");
    expect(base.HOME).toBe("/home/u");
  });
});
