/**
 * The 👍 / 👎 buttons under a task's completion (or failure) message, and what their
 * callback_data carries: "fb:u:<session tag>:<task index>" / "fb:d:…" (about 20 bytes of
 * Telegram's 64). The session tag is callback-data.ts's, so a press on a message of an earlier
 * session is told so instead of rating whatever task now has that position. The attempt is not
 * in it: a verdict is on the task, whichever run it saw. Pure.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import type { Notification } from "../../core/effects.js";
import type { SessionState } from "../../core/state.js";
import { sessionTag } from "../callback-data.js";

export type FeedbackVote = "up" | "down";

/** The task a feedback button (or a reply to its message) is about. */
export interface FeedbackRef {
  vote: FeedbackVote;
  /** sessionTag() of the session the message was made in. */
  session: string;
  /** 0-based task index. */
  index: number;
}

/** The notifications whose message gets the buttons: a task's end with something to judge. */
const RATED_ENDS: ReadonlySet<string> = new Set(["task_completed", "task_failed"]);

export function encodeFeedback(vote: FeedbackVote, session: string, index: number): string {
  return `fb:${vote === "up" ? "u" : "d"}:${session}:${index}`;
}

export function decodeFeedback(data: string): FeedbackRef | null {
  const m = /^fb:([ud]):([0-9a-f]{8}):(\d{1,6})$/.exec(data);
  return m ? { vote: m[1] === "u" ? "up" : "down", session: m[2] as string, index: Number(m[3]) } : null;
}

/** The 👍 / 👎 row for task `index` of the state's session. */
export function feedbackRow(state: SessionState, index: number): InlineKeyboardButton.CallbackButton[] {
  const tag = sessionTag(state.session_id);
  return [
    { text: "👍", callback_data: encodeFeedback("up", tag, index) },
    { text: "👎", callback_data: encodeFeedback("down", tag, index) },
  ];
}

/** The task whose end these notifications report (task_completed, task_failed), or null. */
export function ratedTaskOf(notifications: readonly Notification[]): number | null {
  const end = notifications.find((n) => RATED_ENDS.has(n.event) && n.task_index !== null);
  return end?.task_index ?? null;
}

/** `keyboard` with the 👍 / 👎 row for task `index` added at the bottom. */
export function withFeedbackRow(keyboard: InlineKeyboardMarkup | null, state: SessionState, index: number): InlineKeyboardMarkup {
  return { inline_keyboard: [...(keyboard?.inline_keyboard ?? []), feedbackRow(state, index)] };
}

/** The feedback ref a message's keyboard carries (its 👍 button), or null: how a reply to it finds its task. */
export function feedbackRefOf(markup: InlineKeyboardMarkup | undefined): FeedbackRef | null {
  for (const row of markup?.inline_keyboard ?? []) {
    for (const button of row) {
      const ref = "callback_data" in button && typeof button.callback_data === "string" ? decodeFeedback(button.callback_data) : null;
      if (ref) return ref;
    }
  }
  return null;
}
