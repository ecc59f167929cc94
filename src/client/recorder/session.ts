/**
 * One recording made in this browser (in the recorder chunk, with the composite): starts the recording at
 * the backend, and sends each chunk through a `ChunkUploader` until it
 * is acknowledged. `stop()` hands over the last chunk, waits for every acknowledgement, then stops the
 * recording at the backend, which finalizes the file (`complete`). If this page dies first, the backend
 * finalizes what it acknowledged (`partial`) after its timeout.
 */
import { recordableType, startCompositeRecording } from './composite.ts';
import type {
  CompositeLimits,
  CompositeRecording,
  RecorderSource,
  RecordingBackend,
  RecordingFailure,
} from './types.ts';
import { ChunkUploader } from './uploader.ts';

export interface RecordingSessionOptions<Info extends { id: string }> {
  api: RecordingBackend<Info>;
  source: RecorderSource;
  limits: CompositeLimits;
  /** The recording ended here without `stop()`: the recorder broke or the backend refused its chunks. */
  failed: (error: RecordingFailure) => void;
}

export class RecordingSession<Info extends { id: string }> {
  readonly info: Info;
  readonly #o: RecordingSessionOptions<Info>;
  readonly #uploader: ChunkUploader;
  #composite: CompositeRecording | undefined;
  #ended = false;

  private constructor(info: Info, o: RecordingSessionOptions<Info>) {
    this.info = info;
    this.#o = o;
    this.#uploader = new ChunkUploader({
      send: (seq, ms, bytes) => o.api.chunk(info.id, seq, ms, bytes),
      failed: (error) => void this.#fail(error),
    });
  }

  /** Starts recording; rejects (nothing running anywhere) when the recorder or the backend cannot. */
  static async start<Info extends { id: string }>(
    o: RecordingSessionOptions<Info>,
  ): Promise<RecordingSession<Info>> {
    if (!recordableType()) throw new Error('this browser cannot record WebM');
    const info = await o.api.start();
    const session = new RecordingSession(info, o);
    try {
      session.#composite = startCompositeRecording({
        source: o.source,
        ...o.limits,
        onChunk: (bytes, ms) => session.#uploader.push(bytes, ms),
        onError: (error) => void session.#fail(error),
      });
    } catch (error) {
      await o.api.stop(info.id).catch(() => undefined);
      throw error;
    }
    return session;
  }

  /** Chunks and bytes the backend has acknowledged. */
  get uploaded(): { chunks: number; bytes: number } {
    return { chunks: this.#uploader.acknowledged, bytes: this.#uploader.bytes };
  }

  /** Ends the recording: last chunk, every acknowledgement, then the backend's finalize. */
  async stop(): Promise<Info> {
    if (this.#ended)
      throw Object.assign(new Error('the recording has ended'), { code: 'recording_not_active' });
    this.#ended = true;
    await this.#composite?.stop();
    await this.#uploader.flush();
    return this.#o.api.stop(this.info.id);
  }

  /** The recording was ended elsewhere (another host stopped it): stop recording here, send nothing more. */
  async ended(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#uploader.close();
    await this.#composite?.stop().catch(() => undefined);
  }

  async #fail(error: RecordingFailure): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    if (error.retryable !== undefined) {
      // A refused chunk: the backend ended the recording already; nothing more goes up.
      this.#uploader.close();
      await this.#composite?.stop().catch(() => undefined);
    } else {
      // The recorder broke: what it recorded so far is good; send it and end the recording there too.
      await this.#composite?.stop().catch(() => undefined);
      await this.#uploader.flush().catch(() => undefined);
      await this.#o.api.stop(this.info.id).catch(() => undefined);
    }
    this.#o.failed(error);
  }
}
