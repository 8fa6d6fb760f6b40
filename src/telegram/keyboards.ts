/** The inline keyboards the bot sends, as plain Bot API objects. Pure. */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import { FILE_CANCEL, SKIP_NO, encodeCheckpoint, encodeFilePick, encodeSkipYes, type TaskRef } from "./callback-data.js";
import { truncate } from "./html.js";

const button = (text: string, data: string): InlineKeyboardButton.CallbackButton => ({ text, callback_data: data });

/** Under an approval checkpoint: one tap to approve, skip or pause, bound to that task. */
export function checkpointKeyboard(ref: TaskRef): InlineKeyboardMarkup {
  return {
    inline_keyboard: [[button("✅ Approve", encodeCheckpoint("approve", ref)), button("⏭️ Skip", encodeCheckpoint("skip", ref)), button("⏸️ Pause", encodeCheckpoint("pause", ref))]],
  };
}

export function skipConfirmKeyboard(ref: TaskRef): InlineKeyboardMarkup {
  return { inline_keyboard: [[button("✅ Yes, skip it", encodeSkipYes(ref)), button("✖️ No", SKIP_NO)]] };
}

/** One button per file (its name; callback_data carries only its position), then Cancel. */
export function filePickerKeyboard(files: string[]): InlineKeyboardMarkup {
  const rows = files.map((name, i) => [button(`📋 ${truncate(name, 60)}`, encodeFilePick(i))]);
  return { inline_keyboard: [...rows, [button("✖️ Cancel", FILE_CANCEL)]] };
}
