/**
 * One FIFO queue per RTCPeerConnection (design.md): every offer/answer exchange with the SFU runs as one task,
 * because a second mutation while an SFU offer is unanswered gets 406 (calls-api.md §5). Requests made in the
 * same tick are batched into one task, as partytracks does, so N tiles mounting at once cost one `tracks/new`.
 */
import { MAX_TRACKS_PER_CALL } from '../protocol/calls.ts';

/** What one item of a batch came to: the batch handler answers per item. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export type BatchHandler<I, R> = (items: readonly I[]) => Promise<readonly ItemOutcome<R>[]>;

interface Pending<I, R> {
  item: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class NegotiationQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #closedReason: Error | undefined;

  /** Runs `task` after every task queued before it has settled; a failed task does not stop the queue. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(() => {
      if (this.#closedReason !== undefined) throw this.#closedReason;
      return task();
    });
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Tasks queued from now on fail with `reason` instead of running (the session is gone). */
  close(reason: Error): void {
    this.#closedReason ??= reason;
  }

  /**
   * A function that collects the items it is called with during one tick, then queues ONE task running
   * `handler` on them (at most `maxBatch` items per task). Each call resolves with its own item's outcome.
   */
  batcher<I, R>(
    handler: BatchHandler<I, R>,
    maxBatch: number = MAX_TRACKS_PER_CALL,
  ): (item: I) => Promise<R> {
    let open: Pending<I, R>[] | undefined;
    const flush = (batch: Pending<I, R>[]) => {
      if (open === batch) open = undefined;
      this.run(() => handler(batch.map((p) => p.item))).then(
        (outcomes) => {
          batch.forEach((pending, i) => {
            const outcome = outcomes[i];
            if (!outcome) pending.reject(new Error('no outcome for this item'));
            else if (outcome.ok) pending.resolve(outcome.value);
            else pending.reject(outcome.error);
          });
        },
        (error: unknown) => batch.forEach((pending) => pending.reject(error)),
      );
    };
    return (item: I) =>
      new Promise<R>((resolve, reject) => {
        if (!open) {
          const batch: Pending<I, R>[] = [];
          open = batch;
          // A macrotask, not a microtask: calls made across awaits of already-settled promises in the same
          // turn still land in the same batch.
          setTimeout(() => flush(batch), 0);
        }
        open.push({ item, resolve, reject });
        // Full: later calls in this tick start the next batch; this one still flushes on its timer.
        if (open.length >= maxBatch) open = undefined;
      });
  }
}
