import { systemClock } from "../../core/clock.js";
import { createIdleState } from "../../core/state.js";
import { LearningsFile } from "../../learnings/learnings-file.js";
import { executeLearn } from "../../learnings/learn-control.js";
import { EXIT, println } from "../cli-io.js";
import type { CommandContext } from "../command-context.js";
import { savedSession, serviceOrOffline, withHistory } from "./offline-answer.js";

const BY_CLI = "the CLI";

/**
 * `orchestrator learn <text...> [--json]`: a lesson for every later task's prompt, sent to the
 * running service; with none running, appended here to orchestrator.learnings_file. Exit 0 when
 * added, 2 without text, 1 when it could not be written.
 */
export async function learnCommand(ctx: CommandContext, words: string[], args: { json: boolean }): Promise<number> {
  const text = words.join(" ").trim();
  if (text === "") {
    println(ctx.io.stderr, "orchestrator learn: give the lesson: orchestrator learn <text...>");
    return EXIT.badInput;
  }
  const config = await ctx.config();
  return serviceOrOffline(ctx, "learn", config, { text, by: BY_CLI }, args.json, async () => {
    const saved = await savedSession(config);
    const state = typeof saved === "string" ? createIdleState() : saved;
    return withHistory(config, (history) => executeLearn({ command: "learn", text, by: BY_CLI }, { state, file: new LearningsFile(config.orchestrator.learnings_file), clock: systemClock, history }));
  });
}
