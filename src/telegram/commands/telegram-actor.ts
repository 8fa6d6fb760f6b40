/**
 * Who pressed or sent something, as the orchestrator records it ("cancelled by Telegram @ana"):
 * "Telegram @username", else "Telegram <first name>", else just "Telegram".
 */
import type { User } from "grammy/types";

export function telegramActor(from: Pick<User, "username" | "first_name"> | undefined): string {
  if (from?.username) return `Telegram @${from.username}`;
  if (from?.first_name) return `Telegram ${from.first_name}`;
  return "Telegram";
}
