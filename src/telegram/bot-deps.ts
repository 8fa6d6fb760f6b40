/** What the bot's handlers and conversations share. */
import type { ConversationFlavor } from "@grammyjs/conversations";
import type { Context } from "grammy";
import type { Control } from "../control/control.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../logging/create-logger.js";
import type { Orchestrator } from "../orchestrator/orchestrator.js";
import type { ChatSender } from "./chat-sender.js";
import type { CommandOrigins } from "./command-origins.js";
import type { PermissionReporter } from "./permissions/permission-reporter.js";

/** The context of the outside middleware tree (conversations see a plain Context). */
export type BotContext = ConversationFlavor<Context>;

export interface BotDeps {
  control: Control;
  orchestrator: Orchestrator;
  sender: ChatSender;
  origins: CommandOrigins;
  /** The permission requests' messages: sent, reminded, edited to their outcome. */
  permissions: PermissionReporter;
  tasksDir: string;
  clock: Clock;
  log: Logger;
}

/** Text answered to a press of a button that no longer matches the session. */
export const STALE_BUTTON = "This button is out of date";
