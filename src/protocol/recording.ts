/**
 * Recording: one composite WebM per recording, made in the browser of the host who starts it, uploaded in
 * chunks to the backend, which keeps it in R2 (Workers), a local directory or an S3-compatible bucket (Node).
 *
 * Rule for concurrent recordings: one at a time per room. A second start while one runs is refused with
 * `recording_in_progress` (whoever asks, the same host included); any host of the room may stop it.
 *
 * HTTP (`{endpoint}` is the backend's `/api`), all with `Authorization: Bearer <room token>` of a host:
 * - `POST {endpoint}/recordings?room=` → the new `RecordingInfo`: starts a recording of the room (the
 *   token's; `room` may be left out).
 * - `PUT {endpoint}/recordings/{id}/chunks/{seq}?room=&ms=` with the chunk's bytes: chunk `seq` (0, 1, 2, ...), in
 *   order; `ms` is the media time recorded up to the end of this chunk. Idempotent: a chunk sent again after
 *   it was acknowledged is acknowledged again. An acknowledged chunk is durable.
 * - `POST {endpoint}/recordings/{id}/stop?room=` → the finished `RecordingInfo` (status `complete`).
 * - `GET {endpoint}/recordings?room=` → `{recordings: RecordingInfo[]}` of that room only.
 * - `GET {endpoint}/recordings/{id}?room=` → the WebM, with `Range` support. Instead of the header, a
 *   `downloadUrl` from the listing (a short-lived ticket in its query) works where no header can be set,
 *   such as a `<video src>`.
 * Errors are `{errorCode, errorDescription}` with the codes below; missing or invalid tokens, guests, viewers
 * and other rooms' tokens all get 403 `forbidden`.
 */

export type RecordingStatusName = 'recording' | 'complete' | 'partial' | 'failed';

export interface RecordingPerson {
  /** The token's `sub`. */
  userId: string;
  name: string;
}

/** What every participant sees while a recording runs (presence `welcome` and `recording` messages). */
export interface ActiveRecording {
  id: string;
  startedBy: RecordingPerson;
  /** ms since the epoch */
  startedAt: number;
}

/** One recording in the listing. */
export interface RecordingInfo {
  id: string;
  room: string;
  startedBy: RecordingPerson;
  startedAt: number;
  /** null while recording */
  endedAt: number | null;
  /** Media duration of the acknowledged chunks, ms. */
  durationMs: number;
  /** Bytes of the final file (of the chunks so far while recording). */
  size: number;
  status: RecordingStatusName;
  /** Only in listings: the file's URL with a short-lived download ticket (for `<video src>`). */
  downloadUrl?: string;
}

export const RECORDING_ERROR_CODES = [
  'forbidden',
  'not_found',
  'invalid_params',
  'payload_too_large',
  /** A recording is running in this room already (one at a time per room). */
  'recording_in_progress',
  /** No such running recording (stopped, finalized after a timeout, or never started). */
  'recording_not_active',
  /** A chunk after a gap: send the missing ones first. */
  'chunk_out_of_order',
  'storage_error',
] as const;
export type RecordingErrorCode = (typeof RECORDING_ERROR_CODES)[number];

export const RECORDING_LIMITS = {
  /** Largest chunk body; a 3 s chunk of the composite is well under 2 MiB. */
  maxChunkBytes: 16 * 1024 * 1024,
  /** The recorder cuts a chunk this often. */
  chunkIntervalMs: 3_000,
  /** Most chunks one recording may have (24 h at the interval above). */
  maxChunks: 30_000,
  /** The composite's size and frame rate. */
  width: 1280,
  height: 720,
  frameRate: 25,
} as const;

export const RECORDING_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
