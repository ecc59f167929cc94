/**
 * What the composite recorder (this folder, a chunk of its own loaded when a recording starts) is given.
 * Nothing here imports the rest of the widget, so the chunk stays self-contained.
 */

/** One video area of the composite: a camera (with its person's name) or a screen share. */
export interface RecorderTile {
  key: string;
  name: string;
  screen: boolean;
  /** Undefined while the camera is off: the tile shows the name only. */
  track: MediaStreamTrack | undefined;
}

export interface RecorderSource {
  /** The room's tiles now (called for every frame). */
  tiles(): readonly RecorderTile[];
  /** Every microphone to mix now, the recording host's own included. */
  audio(): readonly MediaStreamTrack[];
}

export interface CompositeOptions {
  source: RecorderSource;
  width: number;
  height: number;
  frameRate: number;
  /** A chunk is cut this often. */
  timesliceMs: number;
  /** Each chunk with the media time recorded up to its end (ms). */
  onChunk: (bytes: Blob, ms: number) => void;
  onError: (error: Error) => void;
  /** Video bitrate of the composite (default 2.5 Mbit/s). */
  videoBitsPerSecond?: number;
}

export interface CompositeRecording {
  readonly mimeType: string;
  /** Stops; resolves after the last chunk was handed to `onChunk`. */
  stop(): Promise<void>;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** An error of the recording API; `retryable` when sending again can help (network, storage, busy). */
export interface RecordingFailure extends Error {
  retryable?: boolean;
  code?: string;
}

/** What the session needs of the backend (`RecordingApi` in the widget), passed in to keep this chunk apart. */
export interface RecordingBackend<Info extends { id: string }> {
  start(): Promise<Info>;
  chunk(id: string, seq: number, ms: number, bytes: Blob): Promise<void>;
  stop(id: string): Promise<Info>;
}

export interface CompositeLimits {
  width: number;
  height: number;
  frameRate: number;
  timesliceMs: number;
}
