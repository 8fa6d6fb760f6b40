// `npm run test:faults`: the fault-injection suite (test/faults/). Each test drives the real
// orchestrator as a process from outside, injects one fault (kill -9, full disk, hostile input,
// an unreachable peer...) and asserts that no state is lost, no process is left and the person
// hears a clear reason. RELIABILITY.md has one row per fault.
import base from "./jest.config.js";

export default {
  ...base,
  testMatch: ["<rootDir>/test/faults/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  // One suite at a time: these measure against deadlines and scan /proc for what they started.
  maxWorkers: 1,
  // Real processes, real timeouts (kill graces, backoffs): generous, but every wait is bounded.
  testTimeout: 120000,
};
