/**
 * SIGINT/SIGTERM (and Ctrl-C typed at a prompt, which readline sees as a key, not a signal) as an
 * AbortSignal, for a command that must wind down rather than die: end the running task, save,
 * release the lock, exit 130.
 *
 * The handlers stay installed until dispose(): a second Ctrl-C must not fall through to Node's
 * default action (dying on the spot), which would leave claude running and the lock held. Later
 * signals are passed to `onSignal` with first = false, so the person hears that stopping is under way.
 */
export interface StopSignals {
  /** Aborted on the first signal; its reason is the signal's name. */
  readonly signal: AbortSignal;
  /** The first signal received, or null. */
  readonly received: NodeJS.Signals | null;
  /** Acts as if `name` had been received (Ctrl-C at a readline prompt). */
  trigger(name: NodeJS.Signals): void;
  /** Removes the handlers. Safe to call twice. */
  dispose(): void;
}

const WATCHED: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

export function watchStopSignals(onSignal: (name: NodeJS.Signals, first: boolean) => void): StopSignals {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  const handle = (name: NodeJS.Signals) => {
    const first = received === null;
    if (first) received = name;
    // A throwing callback must not stop the abort: it is what ends the run.
    try {
      onSignal(name, first);
    } finally {
      if (first) controller.abort(name);
    }
  };
  for (const name of WATCHED) process.on(name, handle);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    trigger: handle,
    dispose() {
      for (const name of WATCHED) process.off(name, handle);
    },
  };
}
