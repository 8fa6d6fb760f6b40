// `npm run test:pm2` (tools/pm2/run-pm2-tests.sh): deploy/ecosystem.config.cjs under a real pm2
// (this folder's pinned install). Kept out of `npm test`.
import base from "../../jest.config.js";

export default {
  ...base,
  rootDir: "../..",
  testMatch: ["<rootDir>/test/real-pm2/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  // One daemon, one service, in order: the tests of a file share them.
  maxWorkers: 1,
  // A restart waits the ecosystem file's restart_delay (5 s); every wait inside is bounded.
  testTimeout: 90000,
};
