/**
 * Waits for `promise` to settle, but at most `ms`. Resolves true when it settled in time, false
 * when the time ran out (the promise goes on; the caller decides what to do about it). Never
 * rejects, and its timer is cleared, so it holds nothing once it has answered.
 */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([promise.then(() => true, () => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
