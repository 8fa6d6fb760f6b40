import type { Logger } from "pino";
import type { Orchestrator } from "../../orchestrator/orchestrator.js";

/**
 * Shows Claude's progress (tool uses, text) to a person watching `orchestrator run`, at most once
 * per `minGapMs` so a chatty task cannot flood the terminal. Task and session events are logged by
 * the orchestrator itself. Returns the unsubscribe function.
 */
export function reportProgress(o: Orchestrator, log: Logger, minGapMs = 1000): () => void {
  let lastProgress = -Infinity;
  return o.subscribe((change) => {
    for (const effect of change.effects) {
      if (effect.type !== "notify" || effect.notification.event !== "task_progress") continue;
      const now = performance.now();
      if (now - lastProgress < minGapMs) continue;
      lastProgress = now;
      log.info(`  · ${effect.notification.message}`);
    }
  });
}
