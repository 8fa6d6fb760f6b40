/**
 * One error class per place things fail. Each carries the context a person needs
 * and the underlying `cause`; messages say what to do next.
 */
export class OrchestratorError extends Error {
  override name = "OrchestratorError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A task file could not be read or has errors. `issues` lists every one, as `file:line: message`. */
export class TaskFileError extends OrchestratorError {
  override name = "TaskFileError";
  constructor(
    message: string,
    readonly file: string,
    readonly issues: { file: string; line: number; message: string }[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** config.yaml, .env or the environment holds a bad value. `key` names it ("claude.timeout"). */
export class ConfigError extends OrchestratorError {
  override name = "ConfigError";
  constructor(message: string, readonly key: string | null, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The state file could not be read, written or locked. */
export class StateError extends OrchestratorError {
  override name = "StateError";
  constructor(message: string, readonly file: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Another live process holds the state file's lock. */
export class AlreadyRunningError extends StateError {
  override name = "AlreadyRunningError";
  constructor(readonly pid: number, file: string) {
    super(`already running (pid ${pid}): another orchestrator uses ${file}. Stop it, or pass --state <file> for a separate session.`, file);
  }
}

/**
 * The state path names something that cannot be a state file: a directory, a FIFO, a socket.
 * Bad input (exit 2): the fix is another --state / paths.state_file, and the message names one.
 */
export class StatePathError extends StateError {
  override name = "StatePathError";
  constructor(message: string, file: string, readonly kind: string, options?: { cause?: unknown }) {
    super(message, file, options);
  }
}

/**
 * The HTTP server could not listen on host:port (`code`: EADDRINUSE, EACCES, EADDRNOTAVAIL...).
 * A setting the machine cannot honour, so bad input (exit 2); the message names the setting.
 */
export class ListenError extends OrchestratorError {
  override name = "ListenError";
  constructor(message: string, readonly host: string, readonly port: number, readonly code: string | null, options?: { cause?: unknown }) {
    super(message, options);
  }
}
