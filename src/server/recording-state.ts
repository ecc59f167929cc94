/**
 * The running recording of one room, as a pure state machine (no I/O, time passed in), so Node and the
 * Durable Object share it and tests drive it by hand. One recording at a time per room (see
 * src/protocol/recording.ts); the storage side lives in `RecordingService`.
 */
import type { ActiveRecording, RecordingErrorCode } from '../protocol/recording.ts';
import type { StoredRecording } from './recording-store.ts';

export interface Refusal {
  status: number;
  code: RecordingErrorCode;
  message: string;
}

export type ChunkCheck = 'duplicate' | 'next' | Refusal;

export class RoomRecording {
  #running: StoredRecording | undefined;
  #lastChunkAt = 0;

  get running(): Readonly<StoredRecording> | undefined {
    return this.#running;
  }

  /** What participants are shown: null when nothing records. */
  status(): ActiveRecording | null {
    const r = this.#running;
    return r ? { id: r.id, startedBy: { ...r.startedBy }, startedAt: r.startedAt } : null;
  }

  start(info: StoredRecording, now: number): Refusal | undefined {
    if (this.#running) {
      return {
        status: 409,
        code: 'recording_in_progress',
        message: `recording ${this.#running.id} is running in this room (one at a time per room)`,
      };
    }
    this.#running = { ...info };
    this.#lastChunkAt = now;
    return undefined;
  }

  /** May `userId` send chunk `seq` of recording `id`? Only its starter may, in order. */
  checkChunk(id: string, userId: string, seq: number, maxChunks: number): ChunkCheck {
    const r = this.#running;
    if (r?.id !== id) return notActive(id);
    if (r.startedBy.userId !== userId) {
      return { status: 403, code: 'forbidden', message: 'only the host who started the recording sends it' };
    }
    if (seq < r.chunks) return 'duplicate';
    if (seq > r.chunks) {
      return { status: 409, code: 'chunk_out_of_order', message: `expected chunk ${r.chunks}, got ${seq}` };
    }
    if (seq >= maxChunks) {
      return { status: 413, code: 'payload_too_large', message: `at most ${maxChunks} chunks per recording` };
    }
    return 'next';
  }

  /** Chunk `seq` is stored: the recording now covers `durationMs`. Returns the info to store. */
  acknowledged(seq: number, durationMs: number, bytes: number, now: number): StoredRecording {
    const r = this.#running!;
    r.chunks = seq + 1;
    r.size += bytes;
    // Media time only grows; a recorder's clock that stepped back does not shorten the file.
    r.durationMs = Math.max(r.durationMs, Math.round(durationMs));
    this.#lastChunkAt = now;
    return { ...r };
  }

  /** Ends the recording `id` (stop): returns it for finalizing. */
  take(id: string): StoredRecording | Refusal {
    const r = this.#running;
    if (r?.id !== id) return notActive(id);
    this.#running = undefined;
    return r;
  }

  /** Ends a recording that got no chunk for `timeoutMs` (its host vanished): returns it for finalizing. */
  expired(now: number, timeoutMs: number): StoredRecording | undefined {
    const r = this.#running;
    if (!r || now - this.#lastChunkAt <= timeoutMs) return undefined;
    this.#running = undefined;
    return r;
  }
}

const notActive = (id: string): Refusal => ({
  status: 409,
  code: 'recording_not_active',
  message: `recording ${id} is not running`,
});
