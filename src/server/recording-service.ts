/**
 * One room's recordings, runtime-neutral (Node keeps one per room in `NodeRecordings`, the Worker one in each
 * room's Durable Object): start, chunks, stop, and the timeout that finalizes a recording whose host
 * vanished as `partial`. Every operation of a room runs in order through one queue, so a retried chunk
 * cannot race its first attempt. The running recording is also in the store (its info, status `recording`),
 * so a restarted process or an evicted Durable Object picks it up and still finalizes it.
 */
import {
  RECORDING_LIMITS,
  type ActiveRecording,
  type RecordingErrorCode,
  type RecordingInfo,
} from '../protocol/recording.ts';
import type { RoomRole } from '../protocol/token.ts';
import { finalizeRecording } from './recording-finalize.ts';
import { RoomRecording, type Refusal } from './recording-state.ts';
import type { RecordingStore, StoredRecording } from './recording-store.ts';

export interface RecordingCaller {
  sub: string;
  name: string;
  role: RoomRole;
}

/** A JSON answer, so the Durable Object can hand it through its fetch unchanged. */
export interface RecordingAnswer {
  status: number;
  body: unknown;
}

export interface RecordingServiceOptions {
  room: string;
  store: RecordingStore;
  /** A recording with no chunk for this long is finalized as `partial`. */
  timeoutMs: number;
  /** Tells presence what to show (null: nothing records). */
  announce: (status: ActiveRecording | null) => void;
  now?: () => number;
  randomId?: () => string;
  log?: (line: string) => void;
}

export const publicInfo = ({ chunks: _, ...info }: StoredRecording): RecordingInfo => info;

const refuse = (r: Refusal): RecordingAnswer => ({
  status: r.status,
  body: { errorCode: r.code, errorDescription: r.message },
});

export const recordingError = (
  status: number,
  errorCode: RecordingErrorCode,
  errorDescription: string,
): RecordingAnswer => ({ status, body: { errorCode, errorDescription } });

export class RecordingService {
  readonly #o: Required<RecordingServiceOptions>;
  readonly #state = new RoomRecording();
  #queue: Promise<unknown> = Promise.resolve();
  #restored = false;

  constructor(options: RecordingServiceOptions) {
    this.#o = {
      now: Date.now,
      randomId: () => crypto.randomUUID(),
      log: () => {},
      ...options,
    };
  }

  /** A recording is running (keeps the Durable Object's alarm going). */
  get active(): boolean {
    return this.#state.running !== undefined;
  }

  status(): ActiveRecording | null {
    return this.#state.status();
  }

  start(caller: RecordingCaller): Promise<RecordingAnswer> {
    return this.#run(async () => {
      const now = this.#o.now();
      const info: StoredRecording = {
        id: this.#o.randomId(),
        room: this.#o.room,
        startedBy: { userId: caller.sub, name: caller.name },
        startedAt: now,
        endedAt: null,
        durationMs: 0,
        size: 0,
        status: 'recording',
        chunks: 0,
      };
      const refused = this.#state.start(info, now);
      if (refused) return refuse(refused);
      try {
        await this.#o.store.putInfo(info);
      } catch (error) {
        this.#state.take(info.id);
        return this.#storageError(error);
      }
      this.#o.announce(this.#state.status());
      return { status: 201, body: publicInfo(info) };
    });
  }

  chunk(
    caller: RecordingCaller,
    id: string,
    seq: number,
    ms: number,
    bytes: Uint8Array,
  ): Promise<RecordingAnswer> {
    return this.#run(async () => {
      const check = this.#state.checkChunk(id, caller.sub, seq, RECORDING_LIMITS.maxChunks);
      if (check === 'duplicate') return { status: 200, body: { seq, duplicate: true } };
      if (check !== 'next') return refuse(check);
      try {
        // The chunk first, then the info that counts it: a crash between the two loses only this chunk's ack.
        await this.#o.store.putChunk(this.#o.room, id, seq, bytes);
        const info = this.#state.acknowledged(seq, ms, bytes.byteLength, this.#o.now());
        await this.#o.store.putInfo(info);
      } catch (error) {
        return this.#storageError(error);
      }
      return { status: 200, body: { seq } };
    });
  }

  stop(caller: RecordingCaller, id: string): Promise<RecordingAnswer> {
    return this.#run(async () => {
      const taken = this.#state.take(id);
      if ('code' in taken) return refuse(taken);
      this.#o.log(`recording ${id} in ${this.#o.room}: stopped by ${caller.sub}`);
      this.#o.announce(null);
      return this.#finalize(taken, 'complete');
    });
  }

  /** Finalizes a recording whose chunks stopped coming (call every second or so). */
  tick(): Promise<void> {
    return this.#run(async () => {
      const expired = this.#state.expired(this.#o.now(), this.#o.timeoutMs);
      if (!expired) return;
      this.#o.log(
        `recording ${expired.id} in ${this.#o.room}: no chunk for ${this.#o.timeoutMs} ms, finalized as partial`,
      );
      this.#o.announce(null);
      await this.#finalize(expired, 'partial');
    }).then(() => undefined);
  }

  async #finalize(recording: StoredRecording, status: 'complete' | 'partial'): Promise<RecordingAnswer> {
    try {
      const info = await finalizeRecording(this.#o.store, recording, status, this.#o.now(), this.#o.log);
      return { status: 200, body: publicInfo(info) };
    } catch (error) {
      const failed: StoredRecording = { ...recording, status: 'failed', endedAt: this.#o.now() };
      await this.#o.store.putInfo(failed).catch(() => undefined);
      return this.#storageError(error);
    }
  }

  #storageError(error: unknown): RecordingAnswer {
    this.#o.log(
      `recording storage in ${this.#o.room}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return recordingError(503, 'storage_error', 'the recording storage failed; send it again');
  }

  /** Runs after everything before it; the first run picks up a recording left running in the store. */
  #run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(async () => {
      if (!this.#restored) {
        this.#restored = true;
        await this.#restore();
      }
      return task();
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #restore(): Promise<void> {
    let infos: StoredRecording[];
    try {
      infos = await this.#o.store.listInfos(this.#o.room);
    } catch (error) {
      this.#o.log(`recording restore in ${this.#o.room}: ${String(error)}`);
      return;
    }
    const running = infos.filter((i) => i.status === 'recording').sort((a, b) => b.startedAt - a.startedAt);
    const now = this.#o.now();
    // The newest carries on (its host may still be sending); any older one can only be finished.
    for (const stale of running.slice(1)) await this.#finalize(stale, 'partial');
    if (running[0]) {
      this.#state.start(running[0], now);
      this.#o.announce(this.#state.status());
    }
  }
}
