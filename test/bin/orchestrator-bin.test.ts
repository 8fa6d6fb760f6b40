import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { distIsFresh, sourceStamp } from "../../bin/source-stamp.js";
import { scratchPackage, type ScratchPackage } from "./scratch-package.js";

// The description `orchestrator --help` prints first (src/cli/cli-program.ts): edited in the copy's
// sources or its dist/ to tell which of the two ran.
const DESCRIPTION = "run a day of Claude Code work from a task file, one task at a time";

/** The copy's bin, with NODE_DEBUG=orchestrator: its one line on stderr says what it ran. */
async function run(pkg: ScratchPackage, args: string[], extraNodeArgs: string[] = []) {
  const r = await execa("node", [...extraNodeArgs, pkg.bin, ...args], { cwd: pkg.dir, reject: false, stdin: "ignore", env: { NODE_DEBUG: "orchestrator" } });
  const ran = /running dist\//.test(r.stderr) ? "dist" : /running src\/ through tsx/.test(r.stderr) ? "tsx" : "?";
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, ran };
}

async function replaceIn(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, "utf8");
  expect(text).toContain(from);
  await writeFile(file, text.replace(from, to));
}

describe("bin/orchestrator.js: dist/ while its stamp matches src/, else the sources through tsx", () => {
  let pkg: ScratchPackage;
  beforeAll(async () => {
    pkg = await scratchPackage("orch-bin-");
  }, 60_000);
  afterAll(async () => {
    await pkg?.remove();
  });

  it("runs the sources through tsx when nothing was built", async () => {
    expect(existsSync(path.join(pkg.dir, "dist"))).toBe(false);
    const r = await run(pkg, ["--version"]);
    expect([r.exitCode, r.ran, r.stdout]).toEqual([0, "tsx", "0.1.0"]);
  });

  it("a fresh build runs dist/ (an edit made in dist/ shows), with the same --help and errors as the sources", async () => {
    const answers = async () => Promise.all([["--help"], ["run", "--help"], ["stauts"]].map((args) => run(pkg, args)));
    const viaTsx = await answers();
    const built = await pkg.build();
    expect(built.exitCode).toBe(0);
    expect(built.stderr).toMatch(/build: \d+ files compiled to dist\//);
    expect(distIsFresh(pkg.dir)).toBe(true);
    const viaDist = await answers();
    expect(viaTsx.map((r) => r.ran)).toEqual(["tsx", "tsx", "tsx"]);
    expect(viaDist.map((r) => r.ran)).toEqual(["dist", "dist", "dist"]);
    // Identical both ways: exit code, stdout, and stderr but for the debug line.
    const answer = (r: Awaited<ReturnType<typeof run>>) => [r.exitCode, r.stdout, r.stderr.replace(/^ORCHESTRATOR \d+: .*\n?/m, "")];
    expect(viaDist.map(answer)).toEqual(viaTsx.map(answer));
    expect(viaDist[0]!.stdout).toContain(DESCRIPTION);
    expect(viaDist[2]!.exitCode).toBe(2);
    // dist/ is what ran: an edit in it (the stamp covers the sources only) is what --help prints.
    await replaceIn(path.join(pkg.dir, "dist/cli/cli-program.js"), DESCRIPTION, "COMPILED COPY");
    expect((await run(pkg, ["--help"])).stdout).toContain("COMPILED COPY");
  }, 60_000);

  it("a source edited after the build (a stale stamp) runs the current source through tsx", async () => {
    expect((await pkg.build()).exitCode).toBe(0);
    await replaceIn(path.join(pkg.dir, "src/cli/cli-program.ts"), DESCRIPTION, "EDITED SOURCE");
    expect(distIsFresh(pkg.dir)).toBe(false);
    const r = await run(pkg, ["--help"]);
    expect([r.exitCode, r.ran]).toEqual([0, "tsx"]);
    expect(r.stdout).toContain("EDITED SOURCE");
    // Building again catches up: dist/ runs, with the edit.
    expect((await pkg.build()).exitCode).toBe(0);
    const again = await run(pkg, ["--help"]);
    expect([again.ran, again.stdout.includes("EDITED SOURCE")]).toEqual(["dist", true]);
    await replaceIn(path.join(pkg.dir, "src/cli/cli-program.ts"), "EDITED SOURCE", DESCRIPTION);
  }, 60_000);

  it("a file added to or removed from src/, or a changed tsconfig.json, makes the stamp stale", async () => {
    expect((await pkg.build()).exitCode).toBe(0);
    const before = sourceStamp(pkg.dir);
    const extra = path.join(pkg.dir, "src/cli/extra-file.ts");
    await writeFile(extra, "export const extra = 1;\n");
    expect([distIsFresh(pkg.dir), sourceStamp(pkg.dir).files]).toEqual([false, before.files + 1]);
    await rm(extra);
    expect(distIsFresh(pkg.dir)).toBe(true);
    const tsconfig = path.join(pkg.dir, "tsconfig.json");
    const text = await readFile(tsconfig, "utf8");
    await writeFile(tsconfig, `${text}\n`);
    expect(distIsFresh(pkg.dir)).toBe(false);
    await writeFile(tsconfig, text);
    expect(sourceStamp(pkg.dir).digest).not.toBe(before.digest); // same bytes, a new mtime: stale until built
    expect((await pkg.build()).exitCode).toBe(0);
    expect(distIsFresh(pkg.dir)).toBe(true);
  }, 60_000);

  it("--help and a client command load none of serve's modules (grammY, Express, execa, the orchestrator)", async () => {
    expect((await pkg.build()).exitCode).toBe(0);
    // A resolve hook that writes every module the process loads to a file.
    const log = path.join(pkg.dir, "loaded.txt");
    const hooks = path.join(pkg.dir, "log-hooks.mjs");
    await writeFile(hooks, `import { appendFileSync } from "node:fs";\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + "\\n"); return r; }\n`);
    const register = path.join(pkg.dir, "register-hooks.mjs");
    await writeFile(register, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const heavy = (urls: string) => urls.split("\n").filter((u) => /node_modules\/(grammy|@grammyjs|express|execa|pino|prom-client)\/|\/dist\/(orchestrator|http|telegram)\/|\/dist\/app\/(open-app|serve)\.js/.test(u));
    for (const args of [["--help"], ["permissions"]]) {
      await rm(log, { force: true });
      const r = await run(pkg, args, ["--import", register]);
      expect(r.ran).toBe("dist");
      const urls = await readFile(log, "utf8");
      expect(urls).toContain("/dist/cli/cli-program.js");
      expect([args, heavy(urls)]).toEqual([args, []]);
    }
  }, 60_000);
});

describe("bin/build-dist.js", () => {
  let pkg: ScratchPackage;
  beforeAll(async () => {
    pkg = await scratchPackage("orch-build-");
  }, 60_000);
  afterAll(async () => {
    await pkg?.remove();
  });

  it("a source esbuild cannot compile fails the build and leaves no dist/, so the bin runs the sources", async () => {
    expect((await pkg.build()).exitCode).toBe(0);
    const broken = path.join(pkg.dir, "src/cli/broken-file.ts");
    await writeFile(broken, "export const = ;\n");
    const r = await pkg.build();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("build: failed, dist/ removed");
    expect(existsSync(path.join(pkg.dir, "dist"))).toBe(false);
    await rm(broken);
    expect((await run(pkg, ["--version"])).ran).toBe("tsx");
  }, 60_000);

  it("does nothing, successfully, where there is no src/ (a Docker layer that installs before copying the sources)", async () => {
    await rm(path.join(pkg.dir, "src"), { recursive: true });
    const r = await pkg.build();
    expect([r.exitCode, r.stderr]).toEqual([0, expect.stringContaining("no src/ here")]);
    expect(existsSync(path.join(pkg.dir, "dist"))).toBe(false);
  }, 30_000);
});
