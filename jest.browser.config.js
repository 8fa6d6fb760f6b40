// `npm run test:browser`: the dashboard in a real browser, headless Chromium (Debian's `chromium`
// package, /usr/bin/chromium, or BROWSER_EXECUTABLE) driven by puppeteer-core, against the real
// `orchestrator serve` with the fake claude. The files are *.browser.ts, so `npm test` (which
// matches *.test.ts) never starts a browser.
import base from "./jest.config.js";

export default {
  ...base,
  testMatch: ["<rootDir>/test/browser/**/*.browser.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  maxWorkers: 1,
  // A browser start, a service start and a few fake-claude tasks.
  testTimeout: 120000,
};
