/**
 * A person's verdict on a task, as the Outward Sign seed writes it in feedback/<date>.md:
 * `Rating: 👍`, `Rating: 👎` or `Rating: 4/5`. Pure.
 */

/** up (👍), down (👎), or a score from 1 to 5. */
export type FeedbackRating = "up" | "down" | 1 | 2 | 3 | 4 | 5;

/**
 * The rating in what a person types or an API sends: up / down (also 👍 / 👎, +1 / -1),
 * 1 to 5 (also "4/5"), a number 1..5. null for anything else (the caller says what it takes:
 * RATING_HELP). Words like "good" are not ratings: a note often starts with one.
 */
export function parseRating(value: unknown): FeedbackRating | null {
  if (typeof value === "number") return Number.isInteger(value) && value >= 1 && value <= 5 ? (value as FeedbackRating) : null;
  if (typeof value !== "string") return null;
  const v = value.trim().toLowerCase().replace(/\ufe0f/g, "");
  if (["up", "👍", "+1"].includes(v)) return "up";
  if (["down", "👎", "-1"].includes(v)) return "down";
  const score = /^([1-5])(?:\s*\/\s*5)?$/.exec(v);
  return score ? (Number(score[1]) as FeedbackRating) : null;
}

/** What a refused rating is told. */
export const RATING_HELP = 'up, down, or a score from 1 to 5 (👍, 👎 and "4/5" work too)';

/** "👍", "👎", "4/5": the rating as the file and the messages show it. */
export function ratingText(rating: FeedbackRating): string {
  if (rating === "up") return "👍";
  if (rating === "down") return "👎";
  return `${rating}/5`;
}
