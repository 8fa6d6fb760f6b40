// jest in ESM mode (NODE_OPTIONS=--experimental-vm-modules is set by `npm test`).
// @swc/jest strips types only; `npm run typecheck` is the type check.
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // The real Claude Code CLI suite runs with `npm run test:e2e` (jest.e2e.config.js), and the
  // real-n8n suite with `npm run test:n8n`: they start big real components. The fault-injection
  // suite (test/faults/) is `npm run test:faults`, the real-pm2 one (test/real-pm2/) `npm run test:pm2`.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/real-claude/", "<rootDir>/test/real-n8n/", "<rootDir>/test/faults/", "<rootDir>/test/real-pm2/"],
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "es6" } },
    ],
  },
  // Tests spawn real processes and servers; a hung one must fail, not stall CI.
  testTimeout: 30000,
  // Most suites wait on child processes and HTTP, not the CPU: two workers even on two cores
  // (jest's default there is one) keep `npm test` near two minutes.
  maxWorkers: 2,
};
