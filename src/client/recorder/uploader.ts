/**
 * Sends a recording's chunks in order, one at a time, each retried until the backend acknowledges it (the
 * part number makes a retry of an already stored chunk harmless). Gives up only on a refusal no retry can
 * change (the recording was ended, the token is not a host's).
 */
import type { RecordingFailure } from './types.ts';

export interface UploaderOptions {
  send: (seq: number, ms: number, bytes: Blob) => Promise<void>;
  /** A refusal that retrying cannot fix: the rest is not sent. */
  failed: (error: RecordingFailure) => void;
  /** Wait before retry `n` (0-based); default 250 ms doubling to 5 s, with jitter. */
  retryDelayMs?: (n: number) => number;
}

interface Pending {
  seq: number;
  ms: number;
  bytes: Blob;
}

export class ChunkUploader {
  readonly #o: UploaderOptions;
  readonly #queue: Pending[] = [];
  #next = 0;
  #running: Promise<void> | undefined;
  #failed: RecordingFailure | undefined;
  #acknowledged = 0;
  #bytes = 0;
  #closed = false;

  constructor(options: UploaderOptions) {
    this.#o = options;
  }

  /** Chunks the backend acknowledged. */
  get acknowledged(): number {
    return this.#acknowledged;
  }

  /** Bytes acknowledged. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues the next chunk; `ms` is the media time recorded up to its end. */
  push(bytes: Blob, ms: number): void {
    if (this.#failed || this.#closed) return;
    this.#queue.push({ seq: this.#next++, ms, bytes });
    this.#running ??= this.#drain().finally(() => (this.#running = undefined));
  }

  /** Resolves when every queued chunk is acknowledged; rejects with the refusal that stopped it. */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
    if (this.#failed) throw this.#failed;
  }

  /** Drops what is not sent yet (the recording was ended elsewhere). */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
  }

  async #drain(): Promise<void> {
    for (let chunk = this.#queue[0]; chunk && !this.#closed; chunk = this.#queue[0]) {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.#o.send(chunk.seq, chunk.ms, chunk.bytes);
          break;
        } catch (error) {
          // The API says what a retry can help (network, storage, a busy backend); anything else is final.
          const e = asFailure(error);
          if (!e.retryable || this.#closed) {
            this.#failed = e;
            this.#queue.length = 0;
            this.#o.failed(e);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, this.#delay(attempt)));
        }
      }
      this.#queue.shift();
      this.#acknowledged++;
      this.#bytes += chunk.bytes.size;
    }
  }

  #delay(attempt: number): number {
    return this.#o.retryDelayMs?.(attempt) ?? 250 + Math.random() * Math.min(250 * 2 ** attempt, 5000);
  }
}

function asFailure(error: unknown): RecordingFailure {
  if (error instanceof Error && 'retryable' in error) return error as RecordingFailure;
  // Not the API's: a fetch that threw (the network), worth another try.
  return Object.assign(new Error(error instanceof Error ? error.message : String(error)), {
    retryable: true,
  });
}
