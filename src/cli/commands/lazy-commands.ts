/**
 * The subcommands' actions, each loaded when it runs rather than when the program is built: the
 * command line's cold start (`orchestrator --help`, a client command) then never loads what only
 * `serve` and `run` need (grammY, Express, execa, the orchestrator). Same names and signatures as
 * the modules they stand for (`typeof import(...)` is a type only: nothing loads until a call).
 * A failed import rejects the call like any error inside the command (runCli reports it).
 */
import type { LoadConfigOptions } from "../../config/load-config.js";
import type { Config } from "../../config/config.js";

type Of<M, K extends keyof M> = M[K];

export const clientCommand: Of<typeof import("./client-command.js"), "clientCommand"> = async (...args) => (await import("./client-command.js")).clientCommand(...args);
export const doctorCommand: Of<typeof import("./doctor-command.js"), "doctorCommand"> = async (...args) => (await import("./doctor-command.js")).doctorCommand(...args);
export const feedbackCommand: Of<typeof import("./feedback-command.js"), "feedbackCommand"> = async (...args) => (await import("./feedback-command.js")).feedbackCommand(...args);
export const historyCommand: Of<typeof import("./history-command.js"), "historyCommand"> = async (...args) => (await import("./history-command.js")).historyCommand(...args);
export const initCommand: Of<typeof import("./init-command.js"), "initCommand"> = async (...args) => (await import("./init-command.js")).initCommand(...args);
export const learnCommand: Of<typeof import("./learn-command.js"), "learnCommand"> = async (...args) => (await import("./learn-command.js")).learnCommand(...args);
export const planCommand: Of<typeof import("./plan-command.js"), "planCommand"> = async (...args) => (await import("./plan-command.js")).planCommand(...args);
export const reportCommand: Of<typeof import("./report-command.js"), "reportCommand"> = async (...args) => (await import("./report-command.js")).reportCommand(...args);
export const runCommand: Of<typeof import("./run-command.js"), "runCommand"> = async (...args) => (await import("./run-command.js")).runCommand(...args);
export const serveCommand: Of<typeof import("./serve-command.js"), "serveCommand"> = async (...args) => (await import("./serve-command.js")).serveCommand(...args);
export const statusCommand: Of<typeof import("./status-command.js"), "statusCommand"> = async (...args) => (await import("./status-command.js")).statusCommand(...args);
export const validateCommand: Of<typeof import("./validate-command.js"), "validateCommand"> = async (...args) => (await import("./validate-command.js")).validateCommand(...args);

/** config/load-config.js's loadConfig (zod, js-yaml): loaded when a command first reads its configuration. */
export async function loadConfig(opts: LoadConfigOptions): Promise<Config> {
  return (await import("../../config/load-config.js")).loadConfig(opts);
}
