/**
 * The backend's recording routes as the widget calls them (in the recorder chunk; only types from the
 * protocol, so the chunk stays self-contained) (see src/protocol/recording.ts): start, one chunk,
 * stop. Refusals come back as `RecordingApiError` with the backend's stable code and whether a retry can help.
 */
import type { RecordingErrorCode, RecordingInfo } from '../../protocol/recording.ts';

export interface RecordingApiOptions {
  /** Backend base, e.g. `https://example.com/api`. */
  endpoint: string;
  room: string;
  token: () => Promise<string>;
  fetch?: typeof fetch;
}

export class RecordingApiError extends Error {
  override readonly name = 'RecordingApiError';
  constructor(
    readonly code: RecordingErrorCode | 'network',
    message: string,
    readonly status: number,
  ) {
    super(message);
  }

  /** Worth sending again: the network, the storage, or the backend being busy or restarting. */
  get retryable(): boolean {
    return this.code === 'network' || this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

export class RecordingApi {
  readonly #o: RecordingApiOptions;
  readonly #fetch: typeof fetch;

  constructor(options: RecordingApiOptions) {
    this.#o = options;
    const f = options.fetch ?? globalThis.fetch;
    this.#fetch = (input, init) => f(input, init);
  }

  start(): Promise<RecordingInfo> {
    return this.#call<RecordingInfo>('POST', '', {});
  }

  /** Resolves once the backend acknowledged chunk `seq` (durable from then on). */
  async chunk(id: string, seq: number, ms: number, bytes: Blob): Promise<void> {
    await this.#call(
      'PUT',
      `/${encodeURIComponent(id)}/chunks/${seq}`,
      { ms: String(Math.round(ms)) },
      bytes,
    );
  }

  stop(id: string): Promise<RecordingInfo> {
    return this.#call<RecordingInfo>('POST', `/${encodeURIComponent(id)}/stop`, {});
  }

  async #call<T>(method: string, path: string, query: Record<string, string>, body?: Blob): Promise<T> {
    const url = new URL(`${this.#o.endpoint}/recordings${path}`);
    url.searchParams.set('room', this.#o.room);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    let response: Response;
    try {
      response = await this.#fetch(url.href, {
        method,
        headers: { authorization: `Bearer ${await this.#o.token()}` },
        ...(body ? { body } : {}),
      });
    } catch (error) {
      throw new RecordingApiError('network', error instanceof Error ? error.message : String(error), 0);
    }
    const json = (await response.json().catch(() => ({}))) as T & {
      errorCode?: RecordingErrorCode;
      errorDescription?: string;
    };
    if (!response.ok) {
      throw new RecordingApiError(
        json.errorCode ?? 'storage_error',
        json.errorDescription ?? `HTTP ${response.status}`,
        response.status,
      );
    }
    return json;
  }
}
