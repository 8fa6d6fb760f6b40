import { serve } from "../../app/serve.js";
import { EXIT } from "../cli-io.js";
import type { CommandContext } from "../run-cli.js";

/**
 * `orchestrator serve` (npm start): runs the service until SIGTERM or SIGINT, then stops cleanly
 * (a running task is ended and marked interrupted) and exits 0.
 */
export async function serveCommand({ io, config }: CommandContext): Promise<number> {
  const service = await serve(await config(), { env: io.env, console: io.stdout });
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      service.app.logger.info({ signal }, `received ${signal}`);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await service.stop();
  return EXIT.ok;
}
