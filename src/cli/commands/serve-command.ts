import { serve } from "../../app/serve.js";
import { EXIT } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";
import { armStopDeadline, stopDeadlineMs } from "../stop-deadline.js";

/**
 * `orchestrator serve` (npm start): runs the service until SIGTERM or SIGINT, then stops cleanly
 * (a running task is ended and marked interrupted) and exits 0. The stop has a hard deadline
 * (claude.kill_grace + 10 s, see stop-deadline.ts): past it the process logs what was still
 * pending and exits 1, so no peer (Telegram, n8n, a client) can keep it alive. A second signal
 * during the stop is logged; the deadline still holds.
 */
export async function serveCommand({ io, config }: CommandContext): Promise<number> {
  const cfg = await config();
  // The handlers go in before the service starts: a SIGTERM that arrives while it starts (or right
  // after its banner) must stop it cleanly, not kill it by Node's default action mid-write.
  let received: NodeJS.Signals | null = null;
  let service: Awaited<ReturnType<typeof serve>> | null = null;
  let wake: () => void = () => {};
  const stopAsked = new Promise<void>((resolve) => (wake = resolve));
  const deadlineMs = stopDeadlineMs(cfg.claude.kill_grace);
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      service?.app.logger.warn({ signal, pending: service.pendingStop() }, `received ${signal} again: already stopping (exits within ${deadlineMs / 1000} s of the first signal at the latest)`);
      return;
    }
    received = signal;
    wake();
  };
  // Kept installed: a second Ctrl-C must not kill the process on the spot, with claude running.
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  service = await serve(cfg, { env: io.env, console: io.stdout });
  const running = service;
  const log = running.app.logger;
  await stopAsked;
  log.info({ signal: received, deadline_s: deadlineMs / 1000 }, `received ${received}`);
  armStopDeadline({ ms: deadlineMs, pending: () => running.pendingStop(), log });
  await running.stop();
  return EXIT.ok;
}
