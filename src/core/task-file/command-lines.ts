/**
 * Commands written one per line: a ``` block under `**Verify:**`, a multi-line YAML `verify`
 * string. Each non-blank line is a command; a line ending in `\` goes on with the next, as in a
 * shell script; `#` comment lines are skipped (a ```sh block often has them). Nothing here runs a
 * shell: each command is split into arguments where it runs.
 */
export function commandLines(text: string): string[] {
  const commands: string[] = [];
  let pending = "";
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trimEnd()} `;
      continue;
    }
    const command = `${pending}${line}`.trim();
    pending = "";
    if (command !== "") commands.push(command);
  }
  // A `\` on the last line has nothing to continue with: the command ends there.
  if (pending.trim() !== "") commands.push(pending.trim());
  return commands;
}
