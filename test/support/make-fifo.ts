import { execa } from "execa";

/** Makes a named pipe (FIFO) at `file` with mkfifo(1): Node has no mkfifo of its own. */
export async function makeFifo(file: string): Promise<void> {
  await execa("mkfifo", [file]);
}
