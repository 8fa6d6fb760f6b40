/**
 * Runs async jobs one at a time, in the order they were pushed. This is what makes
 * "two approvals at the same moment run the task exactly once": the second sees the first's state.
 * A job that throws rejects its own promise only; the queue goes on.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  push<T>(job: () => Promise<T>): Promise<T> {
    this.#pending++;
    const run = this.#tail.then(job, job);
    this.#tail = run.then(
      () => this.#pending--,
      () => this.#pending--,
    );
    return run;
  }

  get pending(): number {
    return this.#pending;
  }

  /** Resolves when every job pushed so far has finished. */
  async idle(): Promise<void> {
    while (this.#pending > 0) await this.#tail;
  }
}
