/**
 * Where recordings are kept, behind one interface: R2 on Workers (`recording-store-r2.ts`), a local directory
 * (`recording-store-fs.ts`) or an S3-compatible bucket (`recording-store-s3.ts`) on Node.
 *
 * Layout (object keys, or paths under the directory), all under the room, so a listing can never show
 * another room's recordings:
 * - `{room}/{id}.json`: the `RecordingInfo` (the listing reads these).
 * - `{room}/{id}.chunks/{seq}`: each acknowledged chunk until the recording is finalized.
 * - `{room}/{id}.webm`: the final file, written in 5 MiB parts (R2's multipart rule) by `FinalWriter`.
 */
import type { RecordingInfo } from '../protocol/recording.ts';

export interface FinalWriter {
  /** Appends bytes (kept in order; parts are cut by the store). */
  write(bytes: Uint8Array): Promise<void>;
  /** Completes the file; resolves with its size. */
  close(): Promise<number>;
  abort(): Promise<void>;
}

export interface StoredFile {
  /** The whole file's size. */
  size: number;
  body: ReadableStream<Uint8Array>;
}

export interface ByteRange {
  offset: number;
  length: number;
}

/** The info as stored: with the number of acknowledged chunks, which the listing leaves out. */
export interface StoredRecording extends RecordingInfo {
  chunks: number;
}

export interface RecordingStore {
  putInfo(info: StoredRecording): Promise<void>;
  getInfo(room: string, id: string): Promise<StoredRecording | undefined>;
  listInfos(room: string): Promise<StoredRecording[]>;
  putChunk(room: string, id: string, seq: number, bytes: Uint8Array): Promise<void>;
  getChunk(room: string, id: string, seq: number): Promise<Uint8Array | undefined>;
  deleteChunks(room: string, id: string, count: number): Promise<void>;
  writeFile(room: string, id: string): Promise<FinalWriter>;
  /** The final file's size; undefined when it does not exist. */
  fileSize(room: string, id: string): Promise<number | undefined>;
  /** The final file, or a range of it; undefined when it does not exist. */
  readFile(room: string, id: string, range?: ByteRange): Promise<StoredFile | undefined>;
  /** Rooms with recordings (to finish recordings left running by a restart, and for the retention sweep). */
  rooms(): Promise<string[]>;
  /** Removes everything of one recording (retention). */
  deleteRecording(room: string, id: string, chunks: number): Promise<void>;
}

export const infoKey = (room: string, id: string) => `${room}/${id}.json`;
export const chunkKey = (room: string, id: string, seq: number) =>
  `${room}/${id}.chunks/${String(seq).padStart(6, '0')}`;
export const fileKey = (room: string, id: string) => `${room}/${id}.webm`;

/** R2 wants every part but the last at least 5 MiB and all of one size: parts are cut at exactly this. */
export const PART_BYTES = 5 * 1024 * 1024;

/**
 * Cuts appended bytes into parts of exactly `PART_BYTES` (the last may be smaller) and hands each to
 * `upload` in order, with its 1-based number. Holds at most one part in memory.
 */
export class PartCutter {
  #buffer = new Uint8Array(PART_BYTES);
  #filled = 0;
  #next = 1;
  #size = 0;

  constructor(private readonly upload: (part: number, bytes: Uint8Array) => Promise<void>) {}

  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    this.#size += bytes.byteLength;
    while (offset < bytes.byteLength) {
      const take = Math.min(PART_BYTES - this.#filled, bytes.byteLength - offset);
      this.#buffer.set(bytes.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === PART_BYTES) await this.#flush();
    }
  }

  /** Uploads what is left (the last part, or the only one); resolves with the total size. */
  async finish(): Promise<number> {
    if (this.#filled > 0 || this.#next === 1) await this.#flush();
    return this.#size;
  }

  async #flush(): Promise<void> {
    const part = this.#buffer.slice(0, this.#filled);
    this.#filled = 0;
    await this.upload(this.#next++, part);
  }
}
