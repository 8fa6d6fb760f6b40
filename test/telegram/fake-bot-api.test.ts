import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { Api, InputFile } from "grammy";
import { FakeBotApi } from "../fixtures/fake-bot-api/fake-bot-api.js";

let fake: FakeBotApi;
beforeEach(async () => {
  fake = await FakeBotApi.start();
});
afterEach(async () => {
  await fake.close();
});

async function call(method: string, body: Record<string, unknown> = {}, token = fake.token): Promise<Record<string, unknown>> {
  const res = await fetch(`${fake.apiRoot}/bot${token}/${method}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  expect(res.status).toBe(json.ok ? 200 : json.error_code);
  return json;
}

const send = (text: string, extra: Record<string, unknown> = {}) => call("sendMessage", { chat_id: 5, text, ...extra });

describe("fake Bot API", () => {
  it("answers getMe, and 401 to another token", async () => {
    expect(await call("getMe")).toMatchObject({ ok: true, result: { is_bot: true, username: "orchestrator_test_bot" } });
    expect(await call("getMe", {}, "1:other")).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
  });

  it("refuses what Telegram refuses, with Telegram's error JSON", async () => {
    expect(await send("")).toEqual({ ok: false, error_code: 400, description: "Bad Request: message text is empty" });
    expect(await send("x".repeat(4097))).toMatchObject({ error_code: 400, description: "Bad Request: message is too long" });
    expect(await send("x".repeat(4096))).toMatchObject({ ok: true });
    // The limit counts text after entity parsing: 4096 "&amp;" are 4096 characters.
    expect(await send("&amp;".repeat(4096), { parse_mode: "HTML" })).toMatchObject({ ok: true });
    for (const bad of ["<b>open", "<script>x</script>", "a < b", "fish & chips", "<b><i>x</b></i>", "&nbsp;"]) {
      expect(await send(bad, { parse_mode: "HTML" })).toMatchObject({ ok: false, error_code: 400, description: expect.stringMatching(/^Bad Request: can't parse entities/) });
    }
    expect(await send("<b>ok</b> &lt;tag&gt; &amp; a > b <code>x</code>", { parse_mode: "HTML" })).toMatchObject({ ok: true });
    expect(await send("fish & chips < 3")).toMatchObject({ ok: true }); // no parse_mode: taken literally
    const keyboard = (data: string) => ({ reply_markup: { inline_keyboard: [[{ text: "b", callback_data: data }]] } });
    expect(await send("k", keyboard("x".repeat(64)))).toMatchObject({ ok: true });
    expect(await send("k", keyboard("é".repeat(33)))).toEqual({ ok: false, error_code: 400, description: "Bad Request: BUTTON_DATA_INVALID" });
  });

  it("edits messages, refusing an unchanged text and an unknown message", async () => {
    const sent = (await send("one")) as { result: { message_id: number } };
    const id = sent.result.message_id;
    expect(await call("editMessageText", { chat_id: 5, message_id: id, text: "two" })).toMatchObject({ ok: true });
    expect(await call("editMessageText", { chat_id: 5, message_id: id, text: "two" })).toMatchObject({ description: expect.stringMatching(/^Bad Request: message is not modified/) });
    expect(await call("editMessageText", { chat_id: 5, message_id: 999, text: "x" })).toMatchObject({ description: "Bad Request: message to edit not found" });
    expect(fake.sent.map((e) => [e.method, e.text])).toEqual([
      ["sendMessage", "one"],
      ["editMessageText", "two"],
    ]);
  });

  it("long-polls: waits for an update, honours offset, confirms older updates", async () => {
    const t0 = performance.now();
    const polling = call("getUpdates", { timeout: 5 });
    setTimeout(() => fake.pushMessage(7, "/status"), 50);
    const first = (await polling) as { result: { update_id: number; message: { text: string; entities: unknown[] } }[] };
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(first.result).toHaveLength(1);
    const id = first.result[0]?.update_id as number;
    expect(first.result[0]?.message).toMatchObject({ text: "/status", entities: [{ type: "bot_command", offset: 0, length: 7 }] });
    fake.pushMessage(7, "second");
    expect(((await call("getUpdates", { offset: id })) as { result: unknown[] }).result).toHaveLength(2);
    expect(((await call("getUpdates", { offset: id + 1 })) as { result: unknown[] }).result).toHaveLength(1);
    // Confirmed: asking from the start again no longer returns the first.
    expect(((await call("getUpdates", {})) as { result: unknown[] }).result).toHaveLength(1);
    const t1 = performance.now();
    expect(((await call("getUpdates", { offset: id + 2, timeout: 1 })) as { result: unknown[] }).result).toEqual([]);
    expect(performance.now() - t1).toBeGreaterThanOrEqual(900);
  });

  it("answers the next N calls of a method with 429 retry_after", async () => {
    fake.failNext("sendMessage", 2, 1);
    const throttled = { ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } };
    expect(await send("a")).toEqual(throttled);
    expect(await send("b")).toEqual(throttled);
    expect(await send("c")).toMatchObject({ ok: true });
  });

  it("answers every call with a 429 flood or a 5xx until failAll(null), ending a long poll under way", async () => {
    const polling = call("getUpdates", { timeout: 5 });
    const t0 = performance.now();
    setTimeout(() => fake.failAll({ errorCode: 429, retryAfter: 7 }), 50);
    expect(await polling).toEqual({ ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await call("getMe")).toMatchObject({ error_code: 429 });
    fake.failAll({ errorCode: 500 });
    expect(await send("x")).toEqual({ ok: false, error_code: 500, description: "Internal Server Error" });
    expect(fake.sent).toEqual([]);
    fake.failAll(null);
    expect(await send("y")).toMatchObject({ ok: true });
    expect(fake.calls().map((c) => [c.method, c.error])).toEqual([
      ["getUpdates", "Too Many Requests: retry after 7"],
      ["getMe", "Too Many Requests: retry after 7"],
      ["sendMessage", "Internal Server Error"],
      ["sendMessage", null],
    ]);
  });

  it("records webhooks (getUpdates then conflicts), commands, documents and callback answers", async () => {
    expect(await call("setWebhook", { url: "https://example.test/hook", secret_token: "abc_DEF-1" })).toMatchObject({ ok: true });
    expect(fake.webhook).toEqual({ url: "https://example.test/hook", secret_token: "abc_DEF-1" });
    expect(await call("getWebhookInfo")).toMatchObject({ result: { url: "https://example.test/hook" } });
    expect(await call("getUpdates")).toMatchObject({ ok: false, error_code: 409 });
    await call("deleteWebhook");
    expect(await call("setMyCommands", { commands: [{ command: "status", description: "Status" }] })).toMatchObject({ ok: true });
    expect(fake.world.commands).toEqual([{ command: "status", description: "Status" }]);

    const api = new Api(fake.token, { apiRoot: fake.apiRoot });
    await api.sendDocument(5, new InputFile(Buffer.from("line 1\nline 2\n"), "logs.log"), { caption: "<b>Logs</b>", parse_mode: "HTML" });
    expect(fake.sent.at(-1)).toMatchObject({ method: "sendDocument", chat_id: 5, text: "<b>Logs</b>", document: { filename: "logs.log", content: "line 1\nline 2\n" } });

    const msg = await api.sendMessage(5, "pick", { reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] } });
    const update = fake.pushCallback(5, msg.message_id, "a");
    expect(update.callback_query?.message?.text).toBe("pick");
    await api.answerCallbackQuery(update.callback_query?.id as string, { text: "ok" });
    await expect(api.answerCallbackQuery(update.callback_query?.id as string)).rejects.toThrow(/query is too old/);
    await api.sendChatAction(5, "typing");
  });
});
