/**
 * Typed client of the Calls HTTP API (calls-api.md §4). `baseUrl` is either the SFU's `{sfuUrl}/apps/{appId}`
 * (tests, with the app secret as bearer) or the backend's Calls proxy `{endpoint}/calls` (with a room token):
 * the paths below it are the same.
 */
import type {
  CallsErrorCode,
  CloseDataChannelsRequest,
  CloseTracksRequest,
  CloseTracksResponse,
  DataChannelsRequest,
  DataChannelsResponse,
  EstablishDataChannelsRequest,
  EstablishDataChannelsResponse,
  GetSessionStateResponse,
  NewSessionRequest,
  NewSessionResponse,
  RenegotiateRequest,
  RenegotiateResponse,
  TracksRequest,
  TracksResponse,
  UpdateTracksRequest,
  UpdateTracksResponse,
} from '../protocol/calls.ts';

/** Failures that never reached a Calls response: no answer in time, no network, or a body that is not JSON. */
export type ClientErrorCode = 'timeout' | 'network_error' | 'bad_response';

/** A request-level failure: a non-2xx status, or a top-level `errorCode` in the body. */
export class CallsApiError extends Error {
  override readonly name = 'CallsApiError';
  constructor(
    /** HTTP status; 0 when no response arrived. */
    readonly status: number,
    readonly errorCode: CallsErrorCode | ClientErrorCode | (string & {}),
    readonly errorDescription: string,
    /** `METHOD path`, e.g. `POST sessions/abc/tracks/new`. */
    readonly request: string,
  ) {
    super(`${request}: ${status} ${errorCode}: ${errorDescription}`);
  }
}

/** A per-item failure inside a successful batch response (`tracks[i].errorCode`, `dataChannels[i].errorCode`). */
export class CallsItemError extends Error {
  override readonly name = 'CallsItemError';
  constructor(
    readonly errorCode: string,
    readonly errorDescription: string,
    /** What the item was: a trackName, mid or data channel name. */
    readonly item: string,
  ) {
    super(`${item}: ${errorCode}: ${errorDescription}`);
  }
}

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface CallsApiOptions {
  baseUrl: string;
  /** The bearer token (app secret or room token), asked for before every request so it can be refreshed. */
  authorization: () => Promise<string> | string;
  fetch?: typeof fetch;
  /** Per attempt. Cloudflare's video-room sample uses 10 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface NewSessionOptions extends RequestOptions {
  thirdparty?: boolean;
  correlationId?: string;
  /** The legacy flow: an offer in `sessions/new` (calls-api.md §4.1). */
  sessionDescription?: NewSessionRequest['sessionDescription'];
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 4, initialDelayMs: 250, maxDelayMs: 4000 };
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'retryable_transient_error',
  'temporarily_unavailable_error',
]);

type Method = 'GET' | 'POST' | 'PUT';

export class CallsApi {
  readonly baseUrl: string;
  readonly #authorization: CallsApiOptions['authorization'];
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;

  constructor(options: CallsApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#authorization = options.authorization;
    // Unbound `window.fetch` throws "Illegal invocation" in browsers.
    const f = options.fetch ?? globalThis.fetch;
    this.#fetch = (input, init) => f(input, init);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  /**
   * Retried: a lost response at worst leaves an unused session, which the SFU expires by itself. Not retried
   * with a legacy offer, whose answer belongs to the one PeerConnection state that sent it.
   */
  newSession(options: NewSessionOptions = {}): Promise<NewSessionResponse> {
    const query = new URLSearchParams();
    if (options.thirdparty) query.set('thirdparty', 'true');
    if (options.correlationId) query.set('correlationId', options.correlationId);
    const q = query.size > 0 ? `?${query.toString()}` : '';
    const body: NewSessionRequest | undefined = options.sessionDescription
      ? { sessionDescription: options.sessionDescription }
      : undefined;
    return this.#request('POST', `sessions/new${q}`, body, {
      idempotent: body === undefined,
      signal: options.signal,
    });
  }

  /** Retried only on 429: it allocates mids and moves the session's offer/answer state. */
  newTracks(sessionId: string, body: TracksRequest, options: RequestOptions = {}): Promise<TracksResponse> {
    return this.#session('POST', sessionId, 'tracks/new', body, options, false);
  }

  /** Retried only on 429: replaying an answer gives `invalid_session_description`. */
  renegotiate(
    sessionId: string,
    body: RenegotiateRequest,
    options: RequestOptions = {},
  ): Promise<RenegotiateResponse> {
    return this.#session('PUT', sessionId, 'renegotiate', body, options, false);
  }

  /** A forced close is retried (closing twice only yields `close_track_error`); a negotiated one carries an offer. */
  closeTracks(
    sessionId: string,
    body: CloseTracksRequest,
    options: RequestOptions = {},
  ): Promise<CloseTracksResponse> {
    return this.#session(
      'PUT',
      sessionId,
      'tracks/close',
      body,
      options,
      body.force && body.sessionDescription === undefined,
    );
  }

  /** Retried: it sets preferences to absolute values. */
  updateTracks(
    sessionId: string,
    body: UpdateTracksRequest,
    options: RequestOptions = {},
  ): Promise<UpdateTracksResponse> {
    return this.#session('PUT', sessionId, 'tracks/update', body, options, true);
  }

  getSession(sessionId: string, options: RequestOptions = {}): Promise<GetSessionStateResponse> {
    return this.#session('GET', sessionId, '', undefined, options, true);
  }

  /** Retried only on 429: a second establish on a session with a transport fails (`decoding_error`). */
  establishDataChannels(
    sessionId: string,
    body: EstablishDataChannelsRequest,
    options: RequestOptions = {},
  ): Promise<EstablishDataChannelsResponse> {
    return this.#session('POST', sessionId, 'datachannels/establish', body, options, false);
  }

  /** Retried only on 429: a repeat gives `repeated_local_track_error` or a second subscription. */
  newDataChannels(
    sessionId: string,
    body: DataChannelsRequest,
    options: RequestOptions = {},
  ): Promise<DataChannelsResponse> {
    return this.#session('POST', sessionId, 'datachannels/new', body, options, false);
  }

  updateDataChannels(
    sessionId: string,
    body: DataChannelsRequest,
    options: RequestOptions = {},
  ): Promise<DataChannelsResponse> {
    return this.#session('PUT', sessionId, 'datachannels/update', body, options, true);
  }

  closeDataChannels(
    sessionId: string,
    body: CloseDataChannelsRequest,
    options: RequestOptions = {},
  ): Promise<DataChannelsResponse> {
    return this.#session('PUT', sessionId, 'datachannels/close', body, options, true);
  }

  /** A request on one session: `sessions/{sessionId}/{path}`. */
  #session<T>(
    method: Method,
    sessionId: string,
    path: string,
    body: unknown,
    options: RequestOptions,
    idempotent: boolean,
  ): Promise<T> {
    return this.#request(method, `sessions/${encodeURIComponent(sessionId)}${path && '/' + path}`, body, {
      ...options,
      idempotent,
    });
  }

  async #request<T>(
    method: Method,
    path: string,
    body: unknown,
    options: RequestOptions & { idempotent: boolean },
  ): Promise<T> {
    const label = `${method} ${path}`;
    const attempts = Math.max(1, this.#retry.attempts);
    let delay = this.#retry.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt<T>(method, path, body, label, options.signal);
      } catch (error) {
        if (attempt >= attempts || !isRetryable(error, options.idempotent) || options.signal?.aborted)
          throw error;
      }
      // Full jitter: many clients failing together must not come back together.
      await sleep(Math.random() * delay, options.signal);
      delay = Math.min(delay * 2, this.#retry.maxDelayMs);
    }
  }

  async #attempt<T>(
    method: Method,
    path: string,
    body: unknown,
    label: string,
    signal?: AbortSignal,
  ): Promise<T> {
    const token = await this.#authorization();
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.#fetch(`${this.baseUrl}/${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? anySignal(signal, timeout) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted)
        throw new CallsApiError(0, 'timeout', `no response within ${this.#timeoutMs} ms`, label);
      throw new CallsApiError(0, 'network_error', String(error), label);
    }
    let parsed: unknown;
    try {
      const text = await response.text();
      parsed = text === '' ? {} : JSON.parse(text);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (response.ok) throw new CallsApiError(response.status, 'bad_response', String(error), label);
      parsed = {};
    }
    const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
      errorCode?: unknown;
      errorDescription?: unknown;
    };
    // Some request-level failures arrive inside a 200 (calls-api.md §3).
    if (!response.ok || typeof fields.errorCode === 'string') {
      throw new CallsApiError(
        response.status,
        typeof fields.errorCode === 'string' ? fields.errorCode : `http_${response.status}`,
        typeof fields.errorDescription === 'string' ? fields.errorDescription : response.statusText,
        label,
      );
    }
    return parsed as T;
  }
}

/** The SFU no longer has the session (410 `session_error`: unknown, expired or closed): make a new one. */
export function isSessionGone(error: unknown): error is CallsApiError {
  return error instanceof CallsApiError && error.status === 410;
}

/**
 * A 429 was refused before anything happened, so any call may be sent again. Other failures may have come
 * after the call took effect (a lost response, a 5xx half way), so only idempotent calls are repeated.
 */
function isRetryable(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof CallsApiError)) return false;
  if (error.status === 429) return true;
  if (!idempotent) return false;
  if (error.status === 0) return error.errorCode !== 'bad_response';
  return error.status >= 500 || RETRYABLE_CODES.has(error.errorCode);
}

/** `AbortSignal.any`, which Safari only has since 17.4. */
function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([a, b]);
  const controller = new AbortController();
  for (const s of [a, b]) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
