import { serve } from "../../app/serve.js";
import { EXIT } from "../cli-io.js";
import type { CommandContext } from "../run-cli.js";
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
  const service = await serve(cfg, { env: io.env, console: io.stdout });
  const log = service.app.logger;
  const deadlineMs = stopDeadlineMs(cfg.claude.kill_grace);
  await new Promise<void>((resolve) => {
    let received: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        log.warn({ signal, pending: service.pendingStop() }, `received ${signal} again: already stopping (exits within ${deadlineMs / 1000} s of the first signal at the latest)`);
        return;
      }
      received = signal;
      log.info({ signal, deadline_s: deadlineMs / 1000 }, `received ${signal}`);
      armStopDeadline({ ms: deadlineMs, pending: () => service.pendingStop(), log });
      resolve();
    };
    // Kept installed: a second Ctrl-C must not kill the process on the spot, with claude running.
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  await service.stop();
  return EXIT.ok;
}
