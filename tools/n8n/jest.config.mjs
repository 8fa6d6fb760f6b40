// `npm run test:n8n` (tools/n8n/run-n8n-tests.sh): the workflows of n8n_workflows/ in a real n8n
// (this folder's pinned install), beside the real orchestrator. Kept out of `npm test`.
import base from "../../jest.config.js";

export default {
  ...base,
  rootDir: "../..",
  testMatch: ["<rootDir>/test/real-n8n/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  // n8n takes 10-20 s to import, publish and start; each step waits at most 30 s.
  testTimeout: 120000,
};
