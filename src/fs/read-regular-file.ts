import { constants, type Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";

/**
 * Why a bounded read gave up. `not_regular`: a FIFO, socket, device or directory (reading one
 * can block a libuv thread for good, or never end). `too_large`: over `maxBytes` (with
 * `whenLarger: "refuse"`). `timeout`: the open or a read did not finish within `timeoutMs`.
 * `io`: the file system said no (ENOENT, EACCES, ...); `detail.errno` keeps its code.
 */
export type ReadRefusal = "not_regular" | "too_large" | "timeout" | "io";

export class FileReadError extends Error {
  override name = "FileReadError";
  constructor(
    readonly reason: ReadRefusal,
    readonly file: string,
    message: string,
    readonly detail: {
      /** The errno code for `io` (ENOENT, EACCES, ...) and ENXIO for a socket. */
      errno?: string;
      /** For `not_regular`: what the file is instead ("a FIFO (named pipe)", "a directory"). */
      kind?: string;
      /** For `too_large`: the file's size. */
      size?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: detail.cause });
  }
}

export interface BoundedReadOptions {
  /** Bytes read at most. */
  maxBytes: number;
  /** The whole read (open, fstat, every read) must finish within this, ms. */
  timeoutMs: number;
  /** A larger file: "refuse" (FileReadError too_large, the default) or "tail" (its last maxBytes). */
  whenLarger?: "refuse" | "tail";
}

export interface BoundedRead {
  bytes: Buffer;
  /** The file's size when read. */
  size: number;
  /** Offset of bytes[0] in the file (0 unless a tail was read). */
  start: number;
}

/**
 * O_NONBLOCK makes opening a FIFO return at once instead of waiting (in a libuv thread, for
 * good) for a writer; O_NOCTTY keeps a terminal from becoming ours. On a regular file neither
 * changes anything.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Reads a file only if it is a regular file, at most `maxBytes`, within `timeoutMs`. The handle
 * is checked with fstat after opening (not the path before it), so a file swapped for a FIFO in
 * between is still refused. Throws FileReadError.
 *
 * The time limit bounds the caller's wait, not the kernel's: a read stuck in a hung file system
 * keeps its libuv thread until the kernel lets go, and the handle is closed then.
 */
export async function readRegularFile(file: string, options: BoundedReadOptions): Promise<BoundedRead> {
  const work = readWithin(file, options);
  // After a timeout nobody awaits `work`; its late failure must not become an unhandled rejection.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FileReadError("timeout", file, `reading ${file} took longer than ${options.timeoutMs} ms (a hung file system?)`)), options.timeoutMs);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function readWithin(file: string, { maxBytes, whenLarger = "refuse" }: BoundedReadOptions): Promise<BoundedRead> {
  let handle: FileHandle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (error) {
    throw openError(file, error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      const kind = kindOf(stats);
      throw new FileReadError("not_regular", file, `${file} is ${kind}, not a regular file`, { kind });
    }
    const size = stats.size;
    if (size > maxBytes && whenLarger === "refuse") {
      throw new FileReadError("too_large", file, `${file} is ${formatBytes(size)} (${size} bytes), over the ${formatBytes(maxBytes)} limit`, { size });
    }
    // The bytes up to the size fstat saw: a file still growing is read as it was then.
    const start = Math.max(0, size - maxBytes);
    const bytes = Buffer.alloc(size - start);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, start + filled);
      if (bytesRead === 0) break; // cut short meanwhile
      filled += bytesRead;
    }
    return { bytes: bytes.subarray(0, filled), size, start };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function openError(file: string, error: unknown): FileReadError {
  const code = typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : undefined;
  const message = typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error);
  // open() of a Unix socket fails with ENXIO: it is not a file to read either.
  if (code === "ENXIO") return new FileReadError("not_regular", file, `${file} is a socket or a device without a driver, not a regular file`, { errno: code, kind: "a socket or device", cause: error });
  return new FileReadError("io", file, message, { errno: code, cause: error });
}

/** "a FIFO", "a directory", ... for a message. */
export function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSymbolicLink()) return "a symbolic link";
  return stats.isFile() ? "a regular file" : "not a file";
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round((n / 1024) * 10) / 10} KiB`;
  return `${n} bytes`;
}
