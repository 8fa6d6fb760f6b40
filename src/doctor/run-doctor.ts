import type { CheckResult, DoctorCheck, DoctorContext } from "./doctor-check.js";
import { fail, skip } from "./doctor-check.js";

/** What a check gets past its own bound before the runner answers for it (its children end at the bound). */
const MARGIN_MS = 1_000;

/**
 * Runs the checks concurrently (none depends on another's answer; the claude checks share one
 * lookup, see check-claude.ts) and answers in the checks' order. Never rejects and never waits
 * longer than the largest bound + 1 s: a check that throws is a ✗ with its message, one that
 * does not answer in time a ✗ "did not answer within N s" (what it started is bounded by the
 * same limit, so it ends on its own).
 */
export async function runDoctor(ctx: DoctorContext, checks: readonly DoctorCheck[]): Promise<CheckResult[]> {
  const answers = await Promise.all(checks.map((check) => runOne(ctx, check)));
  return answers.flat();
}

async function runOne(ctx: DoctorContext, check: DoctorCheck): Promise<CheckResult[]> {
  if (check.network && ctx.offline) return [skip(check.id, `${check.title}: skipped (--offline)`)];
  const limit = check.limitMs(ctx.timeouts);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CheckResult[]>((resolve) => {
    timer = setTimeout(
      () => resolve([fail(check.id, `${check.title}: no answer within ${seconds(limit + MARGIN_MS)}`, "run it by hand to see what it waits for")]),
      limit + MARGIN_MS,
    );
  });
  const work = check.run(ctx).then(
    (r) => (Array.isArray(r) ? r : [r]),
    (error: unknown) => [fail(check.id, `${check.title}: ${(error as Error)?.message ?? String(error)}`, "see the message")],
  );
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
