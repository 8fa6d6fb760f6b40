import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { load as loadYaml } from "js-yaml";
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../../src/config/load-config.js";
import { FAKE_CLAUDE, REPO, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { freePort } from "../support/start-service.js";
import { COMPOSE_FILE, DOCKER_CONFIG, healthcheckCommand, lastInstruction, loadEcosystem, readDockerfile, readUnit, unitCommand, unitSeconds, unitValue } from "./deploy-files.js";

const steps = readDockerfile();
const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const jsonArgs = (name: string): string[] => JSON.parse(lastInstruction(steps, name)!.args) as string[];
const volumes = (): string[] => steps.filter((s) => s.instruction === "VOLUME").flatMap((s) => JSON.parse(s.args) as string[]);
const timeoutStopS = () => unitSeconds(unitValue(readUnit(), "Service", "TimeoutStopSec") ?? "");

describe("Dockerfile", () => {
  it("is node:20-slim, installs without dev dependencies, and runs the unit's and pm2's command as a non-root user", () => {
    expect(steps[0]).toEqual({ instruction: "FROM", args: "node:20-slim" });
    const runs = steps.filter((s) => s.instruction === "RUN").map((s) => s.args);
    expect(runs.some((r) => r.includes("npm ci --omit=dev"))).toBe(true);
    // --omit=dev is enough: the build (`prepare`, bin/build-dist.js) compiles with tsx's esbuild, and the
    // bin falls back to the sources through tsx; tsx is a runtime dependency.
    expect(readFileSync(path.join(REPO, "bin/orchestrator.js"), "utf8")).toContain('import("tsx/esm/api")');
    expect(readFileSync(path.join(REPO, "bin/build-dist.js"), "utf8")).toContain('resolve("tsx/package.json")');
    expect(pkg.dependencies.tsx).toBeDefined();
    const user = lastInstruction(steps, "USER")!.args;
    expect(["root", "0", ""]).not.toContain(user.split(":")[0]);
    const cmd = jsonArgs("CMD");
    expect(cmd).toEqual(unitCommand());
    const app = loadEcosystem()[0];
    expect(cmd).toEqual([app.script, ...app.args.filter((a) => !a.startsWith("--env-file="))]);
    expect(jsonArgs("ENTRYPOINT")).toEqual(["/usr/bin/tini", "--"]);
    expect(lastInstruction(steps, "STOPSIGNAL")!.args).toBe(unitValue(readUnit(), "Service", "KillSignal"));
  });

  it("installs the Claude Code CLI at the version package.json pins", async () => {
    expect(pkg.devDependencies["@anthropic-ai/claude-code"]).toMatch(/^\d+\.\d+\.\d+$/);
    const install = steps.find((s) => s.instruction === "RUN" && s.args.includes("npm install -g"))!;
    // The version is read from package.json at build time: the same `node -p`, run in WORKDIR's copy, gives the pin.
    expect(install.args).toContain('"@anthropic-ai/claude-code@$(node -p');
    const expr = /\$\(node -p "([^"]+)"\)/.exec(install.args)![1];
    const version = (await execa("node", ["-p", expr], { cwd: REPO })).stdout.trim();
    expect(version).toBe(pkg.devDependencies["@anthropic-ai/claude-code"]);
  });

  it("copies only files that exist and .dockerignore does not exclude", () => {
    const ignored = readFileSync(path.join(REPO, ".dockerignore"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    for (const step of steps.filter((s) => s.instruction === "COPY")) {
      const sources = step.args.split(/\s+/).slice(0, -1);
      for (const src of sources) {
        expect([src, existsSync(path.join(REPO, src))]).toEqual([src, true]);
        expect(ignored).not.toContain(src);
        expect(ignored).not.toContain(src.split("/")[0]);
      }
    }
  });

  it("puts every folder the image's config.yaml writes on a volume, and EXPOSEs its port", async () => {
    const dir = await tempDir("orch-docker-cfg-");
    try {
      const cfg = await loadConfig({ cwd: dir, configPath: DOCKER_CONFIG, env: {} });
      const written = [path.dirname(cfg.paths.state_file), cfg.paths.logs_dir, cfg.paths.tasks_dir, cfg.paths.daily_dir, cfg.paths.results_dir, cfg.paths.feedback_dir, path.dirname(cfg.orchestrator.learnings_file), cfg.claude.project_dir];
      expect(volumes()).toEqual(expect.arrayContaining(written));
      const env = steps.filter((s) => s.instruction === "ENV").map((s) => s.args).join(" ");
      const claudeDir = /CLAUDE_CONFIG_DIR=(\S+)/.exec(env)![1];
      expect(volumes()).toContain(claudeDir);
      expect(lastInstruction(steps, "EXPOSE")!.args).toBe(String(cfg.server.port));
      // The image does not open the API to the network by itself (HOST is compose's / docker run's choice).
      expect(env).not.toMatch(/\bHOST=/);
      expect(cfg.server.host).toBe("127.0.0.1");
      expect(cfg.telegram.inbound).toBe("bot");
      expect((await loadConfig({ cwd: dir, configPath: DOCKER_CONFIG, env: { TELEGRAM_INBOUND: "n8n" } })).telegram.inbound).toBe("n8n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The image's steps in a scratch copy, as far as this machine can go without pulling a base
  // image: the files the Dockerfile COPYs, `npm ci --omit=dev` (from npm's cache, --offline), the
  // image's config.yaml with /data and /project moved into the scratch dir, the CMD started from
  // WORKDIR, and the HEALTHCHECK's own command run against it.
  describe("its steps in a scratch copy", () => {
    let dir = "";
    beforeAll(async () => {
      dir = await tempDir("orch-docker-");
      for (const step of steps.filter((s) => s.instruction === "COPY")) {
        const parts = step.args.split(/\s+/);
        const dest = parts.at(-1)!;
        for (const src of parts.slice(0, -1)) {
          const target = dest.endsWith("/") ? path.join(dir, dest, path.basename(src)) : path.join(dir, dest);
          await cp(path.join(REPO, src), target, { recursive: true });
        }
      }
      const install = await execa("npm", ["ci", "--omit=dev", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, reject: false });
      if (install.exitCode !== 0) throw new Error(`npm ci --omit=dev --offline failed (is npm's cache filled by an earlier npm ci?):\n${install.stderr}`);
      const text = (await readFile(path.join(dir, "config.yaml"), "utf8")).replaceAll("/data/", `${dir}/data/`).replaceAll("/project", `${dir}/project`);
      await writeFile(path.join(dir, "config.yaml"), text);
      for (const v of volumes()) await mkdir(path.join(dir, v), { recursive: true });
    }, 120_000);
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("installs no dev dependency (no jest, no typescript, no claude)", () => {
      expect(existsSync(path.join(dir, "node_modules/tsx"))).toBe(true);
      // A devDependency a production package needs as a peer (@types/node, for @inquirer/*) is
      // installed by npm and marked so in the lock (no "dev": true); every other one must be absent.
      const lock = JSON.parse(readFileSync(path.join(REPO, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
      for (const dev of Object.keys(pkg.devDependencies)) {
        const devOnly = lock.packages[`node_modules/${dev}`]?.dev === true;
        expect([dev, existsSync(path.join(dir, "node_modules", dev))]).toEqual([dev, !devOnly]);
      }
      for (const dev of ["jest", "typescript", "@anthropic-ai/claude-code", "puppeteer-core"]) expect([dev, existsSync(path.join(dir, "node_modules", dev))]).toEqual([dev, false]);
    });

    it("starts with the CMD, answers the HEALTHCHECK, and stops on STOPSIGNAL with exit 0", async () => {
      const port = await freePort();
      const [exe, ...args] = jsonArgs("CMD");
      const env = { PORT: String(port), CLAUDE_CLI_PATH: FAKE_CLAUDE };
      const child = execa(exe, args, { cwd: dir, reject: false, stdin: "ignore", env, forceKillAfterDelay: false });
      const [hcExe, ...hcArgs] = healthcheckCommand(lastInstruction(steps, "HEALTHCHECK")!);
      const healthcheck = () => execa(hcExe, hcArgs, { cwd: dir, reject: false, env });
      try {
        await waitFor(async () => ((await healthcheck()).exitCode === 0 ? true : undefined), 20_000, "the HEALTHCHECK to pass");
        // It wrote into the volume's folder: the generated secret beside the state file.
        expect(existsSync(path.join(dir, "data/state/.webhook-secret"))).toBe(true);
        child.kill(lastInstruction(steps, "STOPSIGNAL")!.args as NodeJS.Signals);
        const done = await child;
        expect(done.exitCode).toBe(0);
        expect((await healthcheck()).exitCode).toBe(1);
      } finally {
        child.kill("SIGKILL");
      }
    }, 40_000);
  });
});

describe("docker-compose.yml", () => {
  type Service = { image?: string; environment: Record<string, string>; volumes: string[]; stop_grace_period?: string; build?: string };
  const compose = loadYaml(readFileSync(COMPOSE_FILE, "utf8")) as { services: Record<string, Service> };
  const { orchestrator, n8n } = compose.services;

  it("runs n8n 2.8.4 with the three workflows mounted", () => {
    expect(n8n.image).toBe("n8nio/n8n:2.8.4");
    const mount = n8n.volumes.find((v) => v.startsWith("./n8n_workflows:"))!;
    expect(mount).toBe("./n8n_workflows:/workflows:ro");
    const files = ["telegram-to-orchestrator.json", "orchestrator-to-telegram.json", "daily-startup.json"];
    for (const f of files) expect([f, existsSync(path.join(REPO, "n8n_workflows", f))]).toEqual([f, true]);
    expect(n8n.environment.N8N_BLOCK_ENV_ACCESS_IN_NODE).toBe("false");
  });

  it("points N8N_NOTIFY_URL at the notify workflow's webhook and ORCHESTRATOR_URL at the service", async () => {
    const wf = JSON.parse(readFileSync(path.join(REPO, "n8n_workflows/orchestrator-to-telegram.json"), "utf8")) as { nodes: Array<{ type: string; parameters: { path?: string } }> };
    const hook = wf.nodes.find((n) => n.type === "n8n-nodes-base.webhook")!;
    expect(orchestrator.environment.N8N_NOTIFY_URL).toBe(`http://n8n:5678/webhook/${hook.parameters.path}`);
    const dir = await tempDir("orch-compose-");
    try {
      const cfg = await loadConfig({ cwd: dir, configPath: DOCKER_CONFIG, env: {} });
      expect(n8n.environment.ORCHESTRATOR_URL).toBe(`http://orchestrator:${cfg.server.port}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("listens on 0.0.0.0 only with a required shared secret, and stops as slowly as the unit", () => {
    expect(orchestrator.environment.HOST).toBe("0.0.0.0");
    // ${VAR:?message}: compose refuses to start when WEBHOOK_SECRET is unset or empty.
    expect(orchestrator.environment.WEBHOOK_SECRET).toMatch(/^\$\{WEBHOOK_SECRET:\?.+\}$/);
    expect(n8n.environment.WEBHOOK_SECRET).toBe(orchestrator.environment.WEBHOOK_SECRET);
    expect(unitSeconds(orchestrator.stop_grace_period!)).toBe(timeoutStopS());
    expect(orchestrator.build).toBe(".");
  });

  it("mounts a volume on every VOLUME of the image", () => {
    const targets = orchestrator.volumes.map((v) => v.split(":").at(-1));
    expect(targets).toEqual(expect.arrayContaining(volumes()));
  });
});
