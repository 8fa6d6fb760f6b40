/**
 * Crash-test helper for test/faults/feedback.test.ts:
 * `node bin/run-ts.js test/faults/feedback-write-loop.ts <feedback dir> <prefix>`
 * Records feedback through the real FeedbackBook in a tight loop, three tasks in turn, each with
 * a rating and the note `<prefix>-<n>`; after each write resolves it prints `written <n>` (stdout
 * to a pipe is synchronous on Linux, so a printed n is on disk). The test SIGKILLs it at random.
 */
import { FeedbackBook } from "../../src/feedback/feedback-book.js";

const [dir, prefix] = process.argv.slice(2);
if (!dir || !prefix) {
  console.error("usage: feedback-write-loop.ts <feedback dir> <prefix>");
  process.exit(2);
}
const book = new FeedbackBook(dir);
process.stdout.write("ready\n");
for (let n = 0; ; n++) {
  await book.record({ date: "2026-12-01", taskId: (n % 3) + 1, title: `Task ${(n % 3) + 1}`, rating: ((n % 5) + 1) as 1 | 2 | 3 | 4 | 5, note: `${prefix}-${n}`, by: "the loop", time: "18:00" });
  process.stdout.write(`written ${n}\n`);
}
