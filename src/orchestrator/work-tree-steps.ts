import type { Logger } from "pino";
import type { AttemptChanges, SnapshotIds } from "../core/events.js";
import type { Effect } from "../core/effects.js";
import { snapshotRef } from "../git/snapshot-ref.js";
import type { WorkTree } from "../git/work-tree.js";

type Result<T> = { ok: true } & T | { ok: false; error: string };

/** Which run of which task a snapshot belongs to (its ref name says so). */
export interface RunLabels {
  session: string;
  task: number | string;
  attempt: number;
  continuation: number;
  round: number;
}

const messageOf = (error: unknown): string => (error as Error)?.message ?? String(error);

/**
 * The git steps around a task, for TaskRuns: snapshots before and after a run, the task's commit
 * and a rollback. Each turns a git failure into a result with the reason (never a throw), so
 * the machine always hears back.
 */
export class WorkTreeSteps {
  constructor(readonly tree: WorkTree, readonly log: Logger) {}

  /** The snapshot before an attempt (refs/orchestrator/<session>/task-<id>/a<attempt>-before). */
  async before(l: RunLabels): Promise<Result<{ snapshot: SnapshotIds }>> {
    try {
      const snap = await this.tree.snapshot(snapshotRef(l.session, l.task, `a${l.attempt}-before`));
      const head = snap.head !== undefined ? snap.head : await this.tree.headCommit();
      return { ok: true, snapshot: { tree: snap.tree, commit: snap.commit, head } };
    } catch (error) {
      this.log.error({ err: error, task: l.task }, "could not snapshot the work tree before the task");
      return { ok: false, error: messageOf(error) };
    }
  }

  /** The snapshot after a run, and what changed from the task's base to it. */
  async after(l: RunLabels, base: string): Promise<Result<{ changes: AttemptChanges }>> {
    try {
      const snap = await this.tree.snapshot(snapshotRef(l.session, l.task, `a${l.attempt}-c${l.continuation}-r${l.round}-after`));
      const head = snap.head !== undefined ? snap.head : await this.tree.headCommit();
      const changes = await this.tree.changes(base, snap.tree);
      const files = changes.files.map(({ path, status, old_path, insertions, deletions }) => ({ path, status, ...(old_path ? { old_path } : {}), insertions, deletions }));
      return { ok: true, changes: { after: { tree: snap.tree, commit: snap.commit, head }, files, insertions: changes.insertions, deletions: changes.deletions } };
    } catch (error) {
      this.log.warn({ err: error, task: l.task }, "could not snapshot the work tree after the run; its changes are not recorded");
      return { ok: false, error: messageOf(error) };
    }
  }

  /** The task's commit (git.commit: task): its id, null when nothing changed, or the error. */
  async commit(message: string, trailers: Record<string, string>): Promise<{ commit: string | null; error: string | null }> {
    try {
      return { commit: await this.tree.commitAll(message, trailers), error: null };
    } catch (error) {
      this.log.error({ err: error }, "could not commit the task's changes");
      return { commit: null, error: messageOf(error) };
    }
  }

  /**
   * Puts the tree back to the task's base; the current tree is kept first under a safety ref
   * (refs/orchestrator/<session>/task-<id>/rollback-…), so a rollback can itself be undone by hand.
   */
  async rollback(effect: Extract<Effect, { type: "rollback_tree" }>, session: string, taskId: number | string): Promise<{ restored: string[]; removed: string[]; error: string | null }> {
    try {
      const r = await this.tree.restore(effect.tree, snapshotRef(session, taskId, effect.safety_ref));
      if (effect.reset_to) await this.tree.resetTo(effect.reset_to);
      this.log.info({ restored: r.restored.length, removed: r.removed.length, safety: r.safety.commit }, `rolled the work tree back; the tree before the rollback is kept as ${r.safety.commit}`);
      return { restored: r.restored, removed: r.removed, error: null };
    } catch (error) {
      this.log.error({ err: error }, "the rollback failed");
      return { restored: [], removed: [], error: messageOf(error) };
    }
  }
}
