/**
 * The kernel's boot id: a UUID that changes at every boot. A task record keeps the boot id of
 * when its claude child was spawned; if it differs from the current one, the recorded pid/pgid
 * belong to a previous boot and must not be signalled (the numbers may now be someone else's).
 */
import { readFile } from "node:fs/promises";

export const BOOT_ID_PATH = "/proc/sys/kernel/random/boot_id";

/**
 * The current boot id, or null where there is none (not Linux, /proc not mounted, unreadable).
 * null means "cannot tell": callers should then not trust a recorded pgid. Never throws.
 * `file` is for tests.
 */
export async function readBootId(file: string = BOOT_ID_PATH): Promise<string | null> {
  try {
    const id = (await readFile(file, "utf8")).trim();
    return id === "" ? null : id;
  } catch {
    return null;
  }
}
