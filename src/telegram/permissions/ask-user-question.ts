/**
 * An AskUserQuestion request's questions, read from its input the way the CLI sends them
 * (`{"questions":[{"question","header","options":[{"label","description"}],"multiSelect"}]}`),
 * and the answers a person's presses or text make of them. Pure.
 *
 * One single-select question is answered by one press. Several questions, or a multi-select
 * one, collect presses (a selection) and are sent with Done. A text reply answers in the
 * person's own words: the only question, or, with several, every question nothing was picked for.
 */

export interface QuestionOption {
  label: string;
  description: string | null;
}

export interface Question {
  question: string;
  header: string | null;
  options: QuestionOption[];
  multiSelect: boolean;
}

/** Question index -> the indexes of the options picked, as the bot's store keeps it. */
export type Selection = Record<string, number[]>;

/** Questions and options beyond these are not offered as buttons (callback_data has room for two digits). */
export const MAX_QUESTIONS = 10;
export const MAX_OPTIONS = 20;

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);

export function questionsOf(input: Record<string, unknown>): Question[] {
  const list = Array.isArray(input.questions) ? input.questions : [];
  return list.slice(0, MAX_QUESTIONS).flatMap((raw): Question[] => {
    if (typeof raw !== "object" || raw === null) return [];
    const q = raw as Record<string, unknown>;
    const question = text(q.question);
    if (!question) return [];
    const options = (Array.isArray(q.options) ? q.options : []).slice(0, MAX_OPTIONS).flatMap((o): QuestionOption[] => {
      if (typeof o === "string" && o.trim() !== "") return [{ label: o, description: null }];
      const label = typeof o === "object" && o !== null ? text((o as Record<string, unknown>).label) : null;
      return label ? [{ label, description: text((o as Record<string, unknown>).description) }] : [];
    });
    return [{ question, header: text(q.header), options, multiSelect: q.multiSelect === true }];
  });
}

/** Whether presses collect and a Done button sends them (several questions, or a multi-select one). */
export function needsDone(questions: Question[]): boolean {
  return questions.length > 1 || questions.some((q) => q.multiSelect);
}

/** The selection after pressing option `o` of question `q`: toggled when multi-select, else it replaces. */
export function toggle(questions: Question[], selection: Selection, q: number, o: number): Selection {
  const question = questions[q];
  if (!question || !question.options[o]) return selection;
  const current = selection[String(q)] ?? [];
  const next = question.multiSelect ? (current.includes(o) ? current.filter((i) => i !== o) : [...current, o].sort((a, b) => a - b)) : current.includes(o) ? [] : [o];
  return { ...selection, [String(q)]: next };
}

/**
 * The answers for the core (question text -> labels joined by ", ", or the text), or null when a
 * question has nothing picked and no text is given.
 */
export function answersOf(questions: Question[], selection: Selection, freeText: string | null = null): Record<string, string> | null {
  const typed = freeText?.trim() || null;
  const answers: Record<string, string> = {};
  for (const [i, q] of questions.entries()) {
    const picked = (selection[String(i)] ?? []).map((o) => q.options[o]?.label).filter((l): l is string => l !== undefined);
    const answer = typed !== null && (questions.length === 1 || picked.length === 0) ? typed : picked.join(", ");
    if (answer === "") return null;
    answers[q.question] = answer;
  }
  return questions.length > 0 ? answers : typed !== null ? { answer: typed } : null;
}
