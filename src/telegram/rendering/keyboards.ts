/** The inline keyboards the bot sends, as plain Bot API objects. Pure. */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import { FILE_CANCEL, ROLLBACK_NO, SKIP_NO, encodeCheckpoint, encodeFilePick, encodeRollbackYes, encodeSkipYes, encodeTaskAction, type TaskRef } from "../callback-data.js";
import { truncate } from "./html.js";

const button = (text: string, data: string): InlineKeyboardButton.CallbackButton => ({ text, callback_data: data });

/** Under an approval checkpoint: one tap to approve, skip or pause, bound to that task. */
export function checkpointKeyboard(ref: TaskRef): InlineKeyboardMarkup {
  return { inline_keyboard: [checkpointRow(ref)] };
}

export function checkpointRow(ref: TaskRef): InlineKeyboardButton.CallbackButton[] {
  return [button("✅ Approve", encodeCheckpoint("approve", ref)), button("⏭️ Skip", encodeCheckpoint("skip", ref)), button("⏸️ Pause", encodeCheckpoint("pause", ref))];
}

/** Under a task's completion (or failure) message, when it ran with git: its diff, and a rollback (asks first). */
export function taskActionsRow(ref: TaskRef): InlineKeyboardButton.CallbackButton[] {
  return [button("🔍 Diff", encodeTaskAction("diff", ref)), button("↩️ Rollback", encodeTaskAction("rollback", ref))];
}

/** Rows (null ones left out) as one keyboard; null when there is no row. */
export function keyboardOf(...rows: (InlineKeyboardButton[] | null)[]): InlineKeyboardMarkup | null {
  const kept = rows.filter((r): r is InlineKeyboardButton[] => r !== null && r.length > 0);
  return kept.length > 0 ? { inline_keyboard: kept } : null;
}

/** "Roll back Task N?": Yes names the task (and carries what it would undo, see rollbackStamp). */
export function rollbackConfirmKeyboard(ref: TaskRef, stamp: string): InlineKeyboardMarkup {
  return { inline_keyboard: [[button(`↩️ Yes, roll back Task ${ref.index + 1}`, encodeRollbackYes(ref, stamp)), button("✖️ No", ROLLBACK_NO)]] };
}

export function skipConfirmKeyboard(ref: TaskRef): InlineKeyboardMarkup {
  return { inline_keyboard: [[button("✅ Yes, skip it", encodeSkipYes(ref)), button("✖️ No", SKIP_NO)]] };
}

/** One button per file (its name; callback_data carries only its position), then Cancel. */
export function filePickerKeyboard(files: string[]): InlineKeyboardMarkup {
  const rows = files.map((name, i) => [button(`📋 ${truncate(name, 60)}`, encodeFilePick(i))]);
  return { inline_keyboard: [...rows, [button("✖️ Cancel", FILE_CANCEL)]] };
}
