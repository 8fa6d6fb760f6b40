import path from "node:path";
import { loadTaskFile } from "../../tasks/load-task-file.js";
import { EXIT, println } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";

/** `orchestrator validate <file>`: one line per task and exit 0, or every problem and exit 2. */
export async function validateCommand({ io }: CommandContext, file: string): Promise<number> {
  // loadTaskFile throws TaskFileError listing every issue; runCli prints it and exits 2.
  const tasks = await loadTaskFile(path.resolve(io.cwd, file));
  println(io.stdout, `${file}: ${tasks.length} task${tasks.length === 1 ? "" : "s"} OK`);
  tasks.forEach((t, i) => {
    const tags = [t.type, t.priority, t.requires_approval ? "requires approval" : null].filter(Boolean).join(", ");
    println(io.stdout, `  ${i + 1}. [${t.id}] ${t.title}${tags ? ` (${tags})` : ""}`);
    for (const command of t.verify) println(io.stdout, `       verify: ${command}`);
    for (const deliverable of t.deliverables) println(io.stdout, `       deliverable: ${deliverable}`);
  });
  return EXIT.ok;
}
