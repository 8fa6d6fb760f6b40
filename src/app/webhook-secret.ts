import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/config.js";

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

export async function readSecretFile(file: string): Promise<string | null> {
  try {
    const text = (await readFile(file, "utf8")).trim();
    return text.length > 0 ? text : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
