/**
 * One ref-name component made from free text (a session name, a task id, a label): characters git
 * refuses or a shell would trip on become "-", and the rules of `git check-ref-format` are met (no
 * "..", no leading ".", no trailing "." or ".lock", never empty). Non-ASCII letters become "-" too:
 * ref names end up in file names on every file system.
 */
export function refComponent(text: string): string {
  let s = text
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[.]+/, "")
    .replace(/[.]+$/, "");
  if (s.endsWith(".lock")) s = `${s}-`;
  return s === "" ? "_" : s;
}

/** "refs/orchestrator/<session>/task-<id>/<label>", each part through refComponent. */
export function snapshotRef(session: string, taskId: string | number, label: string): string {
  return `refs/orchestrator/${refComponent(session)}/task-${refComponent(String(taskId))}/${refComponent(label)}`;
}
