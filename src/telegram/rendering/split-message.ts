/**
 * Splits an HTML message into parts Telegram accepts (at most 4096 characters each), at line
 * breaks where possible. Tags open at a cut (a <pre> block of logs, say) are closed at the end of
 * one part and reopened at the start of the next, so every part is valid HTML on its own.
 * Lengths are counted on the HTML source, which is never shorter than the visible text Telegram
 * counts, so a part that fits here fits there. A line longer than a part is cut, never inside a
 * tag, an entity or a surrogate pair.
 */

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>/g;

/** Room kept free in each part for the closing and reopening tags added around a cut. */
const TAG_RESERVE = 200;

export function splitHtml(html: string, limit = 4096): string[] {
  if (html.length <= limit) return [html];
  const budget = Math.max(limit - TAG_RESERVE, 16);
  const parts: string[] = [];
  let open: string[] = [];
  let current = "";
  let fresh = true; // nothing but reopened tags in `current` yet
  for (const line of html.split("\n").flatMap((l) => cutLine(l, budget))) {
    const candidate = fresh ? current + line : `${current}\n${line}`;
    if (candidate.length > budget && !fresh) {
      parts.push(current + closing(open));
      current = open.join("") + line;
    } else {
      current = candidate;
    }
    fresh = false;
    open = track(open, line);
  }
  parts.push(current + closing(open));
  return parts.filter((p) => p.replace(TAG, "").trim() !== "");
}

/** The opening tags still open after `line`, given those open before it. */
function track(open: string[], line: string): string[] {
  const stack = [...open];
  for (const m of line.matchAll(TAG)) {
    if (m[1] === "/") {
      const name = (m[2] as string).toLowerCase();
      const at = stack.map((t) => tagName(t)).lastIndexOf(name);
      if (at !== -1) stack.splice(at, 1);
    } else {
      stack.push(m[0]);
    }
  }
  return stack;
}

function tagName(openTag: string): string {
  return (/^<([a-zA-Z][a-zA-Z0-9-]*)/.exec(openTag)?.[1] ?? "").toLowerCase();
}

function closing(open: string[]): string {
  return [...open].reverse().map((t) => `</${tagName(t)}>`).join("");
}

/** Cuts a line longer than `max` into pieces, preferring spaces, never inside a tag or entity. */
function cutLine(line: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(" ", max);
    if (cut < max / 2) cut = max;
    const lt = rest.lastIndexOf("<", cut - 1);
    if (lt > rest.lastIndexOf(">", cut - 1)) cut = lt;
    const amp = rest.lastIndexOf("&", cut - 1);
    if (amp > rest.lastIndexOf(";", cut - 1) && cut - amp <= 10) cut = amp;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut--;
    if (cut <= 0) cut = max; // a pathological tag longer than a part: cut anyway
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pieces.push(rest);
  return pieces;
}
