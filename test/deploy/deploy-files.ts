/**
 * The deploy files as the tests read them: the systemd unit, the pm2 ecosystem file, the
 * Dockerfile and docker-compose.yml. The unit and Dockerfile parsers are a few lines each
 * (no library reads either format the way the tools do); they understand only what these files
 * use: `Key=value` lines in sections, and instructions with `\` continuations and JSON-form args.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { REPO } from "../support/run-orchestrator-bin.js";

export const UNIT_FILE = path.join(REPO, "deploy/orchestrator.service");
export const ECOSYSTEM_FILE = path.join(REPO, "deploy/ecosystem.config.cjs");
export const DOCKERFILE = path.join(REPO, "Dockerfile");
export const COMPOSE_FILE = path.join(REPO, "docker-compose.yml");
export const DOCKER_CONFIG = path.join(REPO, "deploy/docker/config.yaml");

/** A unit file's `Key=value` lines, per section, in order (a key may repeat). */
export function parseUnit(text: string): Map<string, Array<[string, string]>> {
  const sections = new Map<string, Array<[string, string]>>();
  let current: Array<[string, string]> | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = [];
      sections.set(header[1], current);
      continue;
    }
    const eq = line.indexOf("=");
    if (current == null || eq < 0) throw new Error(`unit line outside a section or without '=': ${line}`);
    current.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return sections;
}

export function unitValue(unit: Map<string, Array<[string, string]>>, section: string, key: string): string | undefined {
  const hits = (unit.get(section) ?? []).filter(([k]) => k === key);
  return hits.length > 0 ? hits[hits.length - 1][1] : undefined;
}

export function readUnit(): Map<string, Array<[string, string]>> {
  return parseUnit(readFileSync(UNIT_FILE, "utf8"));
}

/** systemd's time span as seconds ("30", "30s", "1min 30s"). */
export function unitSeconds(span: string): number {
  let total = 0;
  const units: Record<string, number> = { "": 1, s: 1, sec: 1, m: 60, min: 60, h: 3600 };
  for (const part of span.trim().split(/\s+/)) {
    const m = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(part);
    if (!m || !(m[2] in units)) throw new Error(`not a time span: ${span}`);
    total += Number(m[1]) * units[m[2]];
  }
  return total;
}

export interface EcosystemApp {
  name: string;
  script: string;
  args: string[];
  interpreter: string;
  cwd: string;
  kill_timeout: number;
  treekill: boolean;
  autorestart: boolean;
  max_restarts: number;
  restart_delay: number;
  min_uptime: number;
  instances: number;
  exec_mode: string;
}

/** Loads an ecosystem file the way pm2 does (require), fresh each time. */
export function loadEcosystem(file = ECOSYSTEM_FILE): EcosystemApp[] {
  const require = createRequire(import.meta.url);
  delete require.cache[require.resolve(file)];
  return (require(file) as { apps: EcosystemApp[] }).apps;
}

export interface DockerInstruction {
  instruction: string;
  /** The text after the instruction, continuations joined. */
  args: string;
}

export function parseDockerfile(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (pending === "" && (line.trim() === "" || line.trim().startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const whole = (pending + line).trim();
    pending = "";
    const m = /^(\w+)\s+([\s\S]*)$/.exec(whole);
    if (!m) throw new Error(`not a Dockerfile instruction: ${whole}`);
    out.push({ instruction: m[1].toUpperCase(), args: m[2].trim() });
  }
  return out;
}

export function readDockerfile(): DockerInstruction[] {
  return parseDockerfile(readFileSync(DOCKERFILE, "utf8"));
}

/** The last instruction of a kind (Docker keeps the last CMD, USER... that counts). */
export function lastInstruction(steps: DockerInstruction[], name: string): DockerInstruction | undefined {
  return steps.filter((s) => s.instruction === name).at(-1);
}

/** HEALTHCHECK's exec-form command, after its --options. */
export function healthcheckCommand(step: DockerInstruction): string[] {
  const m = /^(?:--\S+\s+)*CMD\s+(\[[\s\S]*\])$/.exec(step.args);
  if (!m) throw new Error(`HEALTHCHECK is not CMD [exec form]: ${step.args}`);
  return JSON.parse(m[1]) as string[];
}

/** ExecStart without the /usr/bin/env in front: the command as pm2 and Docker run it. */
export function unitCommand(): string[] {
  const exec = unitValue(readUnit(), "Service", "ExecStart");
  if (exec == null) throw new Error("no ExecStart");
  const argv = exec.split(/\s+/);
  return argv[0] === "/usr/bin/env" ? argv.slice(1) : argv;
}
