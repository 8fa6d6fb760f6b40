/**
 * A strict reader of the Prometheus text format (version 0.0.4) for the tests: every line must be
 * a HELP, a TYPE or a sample, and every sample must belong to a family declared (HELP and TYPE)
 * before it. prom-client writes the format but has no reader, hence this one; it throws on any
 * line Prometheus would refuse.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Metrics {
  samples: Sample[];
  types: Map<string, string>;
  help: Map<string, string>;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;

export function parseMetrics(text: string): Metrics {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  for (const line of text.split("\n").slice(0, -1)) {
    if (line === "") continue;
    let m: RegExpExecArray | null;
    if ((m = HELP_LINE.exec(line))) {
      help.set(m[1]!, m[2]!);
      continue;
    }
    if ((m = TYPE_LINE.exec(line))) {
      if (types.has(m[1]!)) throw new Error(`TYPE given twice for ${m[1]}`);
      types.set(m[1]!, m[2]!);
      continue;
    }
    if (line.startsWith("#")) throw new Error(`not a HELP or TYPE line: ${line}`);
    m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const [, name, labelText, valueText] = m as unknown as [string, string, string | undefined, string];
    // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes "Nan").
    const special = /^([+-]?)inf$/i.exec(valueText);
    const value = special ? (special[1] === "-" ? -Infinity : Infinity) : /^nan$/i.test(valueText) ? NaN : Number(valueText);
    if (Number.isNaN(value) && !/^nan$/i.test(valueText)) throw new Error(`not a number: ${line}`);
    const family = familyOf(name, types);
    if (!family) throw new Error(`sample before its TYPE: ${line}`);
    if (!help.has(family)) throw new Error(`no HELP for ${family}`);
    samples.push({ name, labels: parseLabels(labelText ?? "", line), value });
  }
  return { samples, types, help };
}

function familyOf(name: string, types: Map<string, string>): string | null {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  const type = types.get(base);
  return type === "histogram" || type === "summary" ? base : null;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== "") {
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`bad labels: ${line}`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    rest = rest.slice(m[0].length);
  }
  return labels;
}

/** The value of the one sample with this name and exactly these labels; throws when there is none or several. */
export function sample(metrics: Metrics, name: string, labels: Record<string, string> = {}): number {
  const want = JSON.stringify(Object.entries(labels).sort());
  const found = metrics.samples.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want);
  if (found.length !== 1) throw new Error(`${found.length} samples ${name}${want}; there are: ${metrics.samples.filter((s) => s.name === name).map((s) => JSON.stringify(s.labels)).join(" ") || "none"}`);
  return found[0]!.value;
}
