import { randomBytes } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/config.js";
import { StatePathError } from "../core/errors.js";
import { FileReadError, readRegularFile } from "../fs/read-regular-file.js";

/** Where a generated secret is kept: beside the state file, so each state has its own. */
export function secretFileFor(config: Config): string {
  return path.join(path.dirname(config.paths.state_file), ".webhook-secret");
}

/**
 * The service never accepts commands unauthenticated. With no WEBHOOK_SECRET configured it
 * reuses the secret stored in `file`, or creates a random one there with mode 0600 (owner only).
 * Returns the secret and whether it was generated (and so where a person finds it).
 */
export async function ensureWebhookSecret(config: Config): Promise<{ secret: string; file: string | null; created: boolean }> {
  if (config.webhooks.secret) return { secret: config.webhooks.secret, file: null, created: false };
  const file = secretFileFor(config);
  const existing = await readSecretFile(file);
  if (existing) return { secret: existing, file, created: false };
  const secret = randomBytes(32).toString("hex");
  await mkdir(path.dirname(file), { recursive: true });
  // flag "wx": never overwrite a secret another process just wrote.
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: "wx" }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  await chmod(file, 0o600);
  const stored = (await readSecretFile(file)) ?? secret;
  return { secret: stored, file, created: stored === secret };
}

/**
 * The secret kept in `file`, or null when there is none. Only a regular file of at most 4 KiB,
 * read within 5 s: a FIFO or device in its place is an error that names it, never a start that
 * hangs for good.
 */
export async function readSecretFile(file: string): Promise<string | null> {
  try {
    const text = (await readRegularFile(file, { maxBytes: 4096, timeoutMs: 5000 })).bytes.toString("utf8").trim();
    return text.length > 0 ? text : null;
  } catch (error) {
    if (error instanceof FileReadError && error.detail.errno === "ENOENT") return null;
    if (error instanceof FileReadError) {
      // A file beside the state this machine cannot use: bad input (exit 2), the message says what to do.
      throw new StatePathError(`cannot read the webhook secret file ${file}: ${error.message}. Remove it (a new secret is generated) or set WEBHOOK_SECRET.`, file, error.detail.kind ?? error.reason, { cause: error });
    }
    throw error;
  }
}
