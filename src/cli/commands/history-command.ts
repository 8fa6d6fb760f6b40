import { formatHistoryLine } from "../../history/format-history.js";
import { describeQuery } from "../../history/history-control.js";
import { HistoryQueryError, parseHistoryQuery } from "../../history/history-query.js";
import { searchHistory } from "../../history/search-history.js";
import { EXIT, println } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";

/**
 * `orchestrator history [--grep term] [--task N] [--since date] [--limit n] [--json]`: the event
 * history from the files in paths.logs_dir (--logs), read directly, so it works with or without
 * a service running (a service writes its last lines within 200 ms). Exit 0, also when nothing
 * matches (stderr says so); 2 for a bad filter.
 */
export async function historyCommand({ io, config: loadConfig }: CommandContext, args: { grep?: string; task?: string; since?: string; limit?: string; json: boolean }): Promise<number> {
  let query;
  try {
    query = parseHistoryQuery({ grep: args.grep, task: args.task, since: args.since, limit: args.limit });
  } catch (error) {
    if (!(error instanceof HistoryQueryError)) throw error;
    println(io.stderr, `orchestrator history: ${error.message.replace(/"(grep|task|since|limit)"/, "--$1")}`);
    return EXIT.badInput;
  }
  const config = await loadConfig();
  const dir = config.paths.logs_dir;
  const { entries, more } = await searchHistory(dir, query);
  if (args.json) {
    println(io.stdout, JSON.stringify(entries, null, 2));
    return EXIT.ok;
  }
  for (const entry of entries) println(io.stdout, formatHistoryLine(entry));
  const what = describeQuery(query);
  if (entries.length === 0) println(io.stderr, `No events${what ? ` match ${what}` : " recorded yet"} in ${dir} (events-YYYY-MM-DD.jsonl).`);
  else if (more) println(io.stderr, `(the last ${entries.length} shown; older ones match too: --limit, --since or --task narrow it)`);
  return EXIT.ok;
}
