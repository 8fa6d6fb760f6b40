import type { ParseResult } from "../task.js";
import { parseMarkdownTasks } from "./parse-markdown-tasks.js";
import { parseYamlTasks } from "./parse-yaml-tasks.js";

/** Picks the format from the file name: `.yaml`/`.yml` is YAML, anything else markdown. */
export function parseTaskFile(text: string, file: string): ParseResult {
  return /\.ya?ml$/i.test(file) ? parseYamlTasks(text, file) : parseMarkdownTasks(text, file);
}
