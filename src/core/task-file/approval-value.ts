/**
 * Reads a "requires approval" flag written by a person. Both task formats accept the same
 * spellings so a file can be converted between them without surprises.
 */
const APPROVAL_WORDS: ReadonlyMap<string, boolean> = new Map([
  ["true", true],
  ["yes", true],
  ["y", true],
  ["1", true],
  ["false", false],
  ["no", false],
  ["n", false],
  ["0", false],
]);

/** The flag, or null when the text is none of the accepted spellings (the caller reports it). */
export function parseApprovalValue(text: string): boolean | null {
  return APPROVAL_WORDS.get(text.trim().toLowerCase()) ?? null;
}

export const APPROVAL_HINT = "use true or false (yes/no, y/n and 1/0 also work)";
