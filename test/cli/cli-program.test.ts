import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import { runCli } from "../../src/cli/run-cli.js";
import { orchestratorBin, REPO, tempDir } from "../support/run-orchestrator-bin.js";

// The command line (commander, src/cli/cli-program.ts), driven in-process through runCli: help for
// every subcommand, the version, errors with suggestions and exit 2, global options on either
// side of the subcommand, and each client command's arguments reaching the service as today.

class Capture extends Writable {
  text = "";
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += String(chunk);
    cb();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir("orch-cli-program-");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** runCli with captured output; PORT=1 so no service answers unless env says otherwise. */
async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(argv, { stdout, stderr, stdin: new PassThrough(), cwd: dir, env: { PORT: "1", ...env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const SUBCOMMANDS: Array<[string, RegExp[]]> = [
  ["serve", []],
  ["run", [/<file>/, /-y, --yes/, /--new/]],
  ["validate", [/<file>/]],
  ["status", [/--json/]],
  ["start", [/\[file\]/, /--json/]],
  ["approve", [/--json/]],
  ["pause", [/--json/]],
  ["resume", [/--json/]],
  ["skip", [/--json/]],
  ["retry", [/\[feedback\.\.\.\]/, /-f, --feedback <text>/]],
  ["logs", [/\[n\]/]],
];

describe("help", () => {
  it.each(SUBCOMMANDS)("orchestrator %s --help: its usage, its options and the global ones, on stdout, exit 0", async (name, own) => {
    const r = await cli([name, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(new RegExp(`^Usage: orchestrator ${name} `));
    for (const pattern of own) expect(r.stdout).toMatch(pattern);
    expect(r.stdout).toMatch(/Global Options:[\s\S]*--config <file>[\s\S]*--state <file>[\s\S]*--logs <dir>/);
    // `help <command>` says the same.
    expect((await cli(["help", name])).stdout).toBe(r.stdout);
  });

  it("orchestrator --help, help, and no command at all: every subcommand, the exit codes, exit 0", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    for (const [name] of SUBCOMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, "m"));
    expect(r.stdout).toMatch(/^  run <file> \[--yes\] \[--new\] /m);
    expect(r.stdout).toMatch(/Exit codes: 0 done, 1 a task failed[\s\S]*130 interrupted/);
    expect((await cli(["help"])).stdout).toBe(r.stdout);
    const bare = await cli([]);
    expect([bare.code, bare.stdout, bare.stderr]).toEqual([0, r.stdout, ""]);
  });

  it("--version and -v print package.json's version, exit 0", async () => {
    const { version } = JSON.parse(await readFile(path.join(REPO, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) expect(await cli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });
});

describe("a bad command line: the problem, a suggestion when one is near, where to look, exit 2", () => {
  it.each([
    [["run", "tasks.md", "--yess"], "orchestrator run: unknown option '--yess'\n(Did you mean --yes?)\nRun 'orchestrator run --help' for usage.\n"],
    [["status", "--jsn"], "orchestrator status: unknown option '--jsn'\n(Did you mean --json?)\n"],
    [["--stat", "s.json", "status"], "orchestrator: unknown option '--stat'\n(Did you mean --state?)\nRun 'orchestrator --help' for usage.\n"],
    [["status", "--stat", "s.json"], "(Did you mean --state?)"],
    [["stats"], "orchestrator: unknown command 'stats'\n(Did you mean status?)\n"],
    [["run"], "orchestrator run: missing required argument 'file'\n"],
    [["validate", "a.md", "b.md"], "orchestrator validate: too many arguments for 'validate'. Expected 1 argument but got 2.\n"],
    [["status", "--state"], "orchestrator: option '--state <file>' argument missing\n"],
  ])("%j", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe("");
  });

  it("through the real bin too: exit 2 and the suggestion on stderr", async () => {
    const r = await orchestratorBin(["run", "tasks.md", "--yess"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("(Did you mean --yes?)");
  });
});

describe("global options before or after the subcommand", () => {
  it("--state after status reads that state file; before it, the same", async () => {
    const state = path.join(dir, "elsewhere.json");
    await writeFile(state, "not json");
    for (const argv of [["status", "--state", state], ["--state", state, "status"], ["status", "--json", `--state=${state}`]]) {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`orchestrator status: ${state} is not valid JSON`);
    }
  });

  it("--config after the subcommand is the file loaded (a missing one is named, exit 2)", async () => {
    const r = await cli(["status", "--config", "nowhere.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path.join(dir, "nowhere.yaml"));
  });
});

describe("client commands send what they sent before", () => {
  let server: http.Server;
  const seen: Array<{ url: string; body: unknown }> = [];
  let reply: { status: number; json: Record<string, unknown> } = { status: 200, json: { status: "ok", message: "done" } };
  let env: Record<string, string>;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString()));
      req.on("end", () => {
        seen.push({ url: req.url ?? "", body: JSON.parse(text) });
        res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.json));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    env = { PORT: String((server.address() as AddressInfo).port), HOST: "127.0.0.1", WEBHOOK_SECRET: "cli-program-test-secret" };
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each([
    [["approve"], "/webhook/approve", {}],
    [["pause"], "/webhook/pause", {}],
    [["resume"], "/webhook/resume", {}],
    [["skip"], "/webhook/skip", {}],
    [["start"], "/webhook/start", {}],
    [["start", "day.md"], "/webhook/start", { task_file: "day.md" }],
    [["logs", "5"], "/webhook/logs", { lines: 5 }],
    [["logs", "many"], "/webhook/logs", { lines: "many" }],
    [["retry"], "/webhook/retry", {}],
    [["retry", "use", "the", "other", "table"], "/webhook/retry", { feedback: "use the other table" }],
    [["retry", "--feedback", "shorter"], "/webhook/retry", { feedback: "shorter" }],
    [["retry", "-f", "shorter", "ignored", "words"], "/webhook/retry", { feedback: "shorter" }],
  ])("%j -> POST %s %j, exit 0", async (argv, url, body) => {
    reply = { status: 200, json: { status: "ok", message: "done" } };
    seen.length = 0;
    const r = await cli(argv, env);
    expect(r.code).toBe(0);
    expect(seen).toEqual([{ url, body }]);
  });

  it("--json prints the answer as JSON; a refusal (409) exits 1, a bad request (400) exits 2", async () => {
    reply = { status: 200, json: { status: "ok", message: "approved" } };
    expect(JSON.parse((await cli(["approve", "--json"], env)).stdout)).toEqual(reply.json);
    reply = { status: 409, json: { status: "error", message: "nothing waits" } };
    const refused = await cli(["approve"], env);
    expect([refused.code, refused.stderr]).toEqual([1, "nothing waits\n"]);
    reply = { status: 400, json: { status: "error", message: "lines must be a number" } };
    expect((await cli(["logs", "many"], env)).code).toBe(2);
  });
});
