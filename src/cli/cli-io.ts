/** The terminal the CLI talks to; injected so tests can run commands in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});

export function println(stream: NodeJS.WritableStream, text = ""): void {
  stream.write(`${text}\n`);
}

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  taskFailed: 1,
  badInput: 2,
  waitingForApproval: 3,
  alreadyRunning: 4,
  serverUnreachable: 5,
  interrupted: 130,
} as const;
