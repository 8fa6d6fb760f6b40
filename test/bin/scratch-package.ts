import { execa } from "execa";
import { cp, mkdtemp, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** What the bin and the build read: copied, so a build or an edit in the copy never touches the repo's dist/ or src/. */
const COPIED = ["bin", "src", "package.json", "tsconfig.json"];

export interface ScratchPackage {
  dir: string;
  bin: string;
  /** `node bin/build-dist.js` in the copy (what `npm run build` and `prepare` run). */
  build(): Promise<{ exitCode: number | undefined; stderr: string }>;
  remove(): Promise<void>;
}

/**
 * A copy of the package in a temp dir (node_modules linked, not copied), for tests and the cold-start
 * bench that build, edit and run it while other suites run the repo's own bin.
 */
export async function scratchPackage(prefix = "orch-scratch-"): Promise<ScratchPackage> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  for (const name of COPIED) await cp(path.join(REPO, name), path.join(dir, name), { recursive: true });
  await symlink(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
  return {
    dir,
    bin: path.join(dir, "bin/orchestrator.js"),
    build: async () => {
      const r = await execa("node", [path.join(dir, "bin/build-dist.js")], { cwd: dir, reject: false, stdin: "ignore" });
      return { exitCode: r.exitCode, stderr: r.stderr };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
