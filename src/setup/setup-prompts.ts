import { confirm, input, password, select } from "@inquirer/prompts";
import { SetupError } from "./setup-error.js";

/** A check of an answer: true, or the message shown under the prompt before it is asked again. */
export type Check = (value: string) => true | string | Promise<true | string>;

/** The questions init asks, on a terminal; the --yes path asks none. */
export interface SetupPrompts {
  text(message: string, opts?: { default?: string; validate?: Check }): Promise<string>;
  secret(message: string, validate: Check): Promise<string>;
  choose<T extends string>(message: string, choices: readonly { value: T; description: string }[], initial: T): Promise<T>;
  yesNo(message: string, initial: boolean): Promise<boolean>;
}

/**
 * @inquirer/prompts on the given streams (the CLI's io: the terminal, or a test's pseudo-terminal).
 * Ctrl-C at a prompt (inquirer's ExitPromptError) and the stop signal (AbortPromptError) both end
 * init with a SetupError exit 130 and nothing written.
 */
export function terminalPrompts(streams: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; signal: AbortSignal }): SetupPrompts {
  const context = { input: streams.input, output: streams.output, signal: streams.signal };
  return {
    text: (message, opts = {}) => cancellable(input({ message, ...(opts.default !== undefined ? { default: opts.default } : {}), ...(opts.validate ? { validate: opts.validate } : {}) }, context)),
    secret: (message, validate) => cancellable(password({ message, mask: "*", validate }, context)),
    choose: (message, choices, initial) => cancellable(select({ message, choices: choices.map((c) => ({ value: c.value, name: c.value, description: c.description })), default: initial }, context)),
    yesNo: (message, initial) => cancellable(confirm({ message, default: initial }, context)),
  };
}

async function cancellable<T>(answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === "ExitPromptError" || name === "AbortPromptError") throw new SetupError("cancelled: nothing written.", 130, { cause: error });
    throw error;
  }
}
