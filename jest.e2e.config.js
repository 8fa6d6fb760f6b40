// `npm run test:e2e`: the orchestrator driving the real Claude Code CLI (a pinned devDependency)
// against a mock of Anthropic's Messages API on 127.0.0.1. No network.
import base from "./jest.config.js";

export default {
  ...base,
  testMatch: ["<rootDir>/test/real-claude/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  // One suite at a time: these measure against deadlines and scan /proc for what they started.
  maxWorkers: 1,
  // The real CLI starts in about a second; a task takes a few.
  testTimeout: 120000,
};
