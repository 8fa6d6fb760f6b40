import { execa, type ResultPromise } from "execa";
import net from "node:net";
import { BIN, FAKE_CLAUDE } from "./run-orchestrator-bin.js";

export interface RunningService {
  process: ResultPromise;
  url: string;
  /** Every line the service printed so far. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<{ exitCode: number | undefined; stdout: string }>;
}

/** A free TCP port on 127.0.0.1 (listen on 0, close). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `orchestrator serve` as a real child process and resolves once it prints
 * "Orchestrator serving at <url>" and the rest of its banner. The fake claude is the CLI unless env says otherwise.
 */
export async function startService(cwd: string, env: Record<string, string | undefined> = {}, args: string[] = []): Promise<RunningService> {
  const child = execa("node", [BIN, "serve", ...args], {
    cwd,
    reject: false,
    stdin: "ignore",
    env: { CLAUDE_CLI_PATH: FAKE_CLAUDE, PORT: "0", ...env },
    buffer: true,
    // stop() measures how long the service takes to exit: execa's own SIGKILL 5 s after a
    // SIGTERM would turn a slow stop (a loaded machine) into a signal death with its logs lost.
    forceKillAfterDelay: false,
  });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 20_000);
    const check = () => {
      const m = /Orchestrator serving at (http:\/\/[^\s"]+)/.exec(out);
      // The banner's last line names the claude command: wait for the whole banner.
      if (m?.[1] && /"msg":"claude: /.test(out)) {
        clearTimeout(timer);
        child.stdout?.off("data", check);
        resolve(m[1]);
      }
    };
    child.stdout?.on("data", check);
    void child.then(() => reject(new Error(`service exited early:\n${out}`)));
  });
  return {
    process: child,
    url,
    output: () => out,
    stop: async (signal = "SIGTERM") => {
      child.kill(signal);
      const r = await child;
      return { exitCode: r.exitCode, stdout: out };
    },
  };
}
