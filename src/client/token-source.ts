/**
 * Room tokens for the Calls proxy and presence: fetched from a token endpoint (ours at `{endpoint}/token`, or
 * the host site's own), cached until shortly before they expire, refreshed in the background before that, and
 * fetched again with backoff when the endpoint is briefly unavailable.
 */
import type { RoomRole, TokenResponse } from '../protocol/token.ts';

/** What the token endpoint is asked for: `POST {room, name, role?}` as JSON. */
export interface TokenRequest {
  room: string;
  name: string;
  role?: RoomRole;
  /** An agent token for the support line named `room` (`<calls-desk>`). */
  agent?: boolean;
}

export type TokenErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'rejected'
  | 'unavailable'
  | 'network_error'
  | 'bad_response'
  | 'expired'
  | 'closed';

/** The token endpoint did not give a usable token. `retryable` says whether trying later may help. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly code: TokenErrorCode,
    message: string,
    /** HTTP status; 0 when no response arrived. */
    readonly status = 0,
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.code === 'unavailable' || this.code === 'network_error';
  }
}

export interface TokenSourceOptions {
  endpoint: string;
  request: TokenRequest;
  fetch?: typeof fetch;
  /** `include` when the host site's endpoint authenticates its users by cookie across origins. */
  credentials?: RequestCredentials;
  /** Refresh this long before expiry at most; less for short-lived tokens (a fifth of their lifetime). */
  refreshBeforeMs?: number;
  /** Attempts per fetch, the first included, for network errors, 429 and 5xx. */
  attempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

interface Cached {
  token: string;
  expiresAt: number;
  obtainedAt: number;
}

export class TokenSource {
  readonly #options: TokenSourceOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  #cached: Cached | undefined;
  #inFlight: Promise<Cached> | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** A pre-minted token: never fetched, only handed out until it expires. */
  #fixed = false;

  constructor(options: TokenSourceOptions) {
    this.#options = options;
    const f = options.fetch ?? globalThis.fetch;
    this.#fetch = (input, init) => f(input, init);
    this.#now = options.now ?? Date.now;
  }

  /** A source for a token the page already holds (the `token` attribute); its expiry is read from its `exp`. */
  static fixed(token: string, options: { now?: () => number } = {}): TokenSource {
    const source = new TokenSource({ endpoint: '', request: { room: '', name: '' }, ...options });
    const exp = jwtExpiry(token);
    source.#cached = { token, expiresAt: exp ?? Number.POSITIVE_INFINITY, obtainedAt: source.#now() };
    source.#fixed = true;
    return source;
  }

  /** A valid token: the cached one, or a fresh one when it is about to expire. Concurrent calls share a fetch. */
  async getToken(): Promise<string> {
    if (this.#closed) throw new TokenError('closed', 'token source closed');
    const cached = this.#cached;
    if (this.#fixed) {
      if (cached && cached.expiresAt > this.#now()) return cached.token;
      throw new TokenError('expired', 'token expired');
    }
    if (cached && !this.#dueForRefresh(cached)) return cached.token;
    // Still valid but due: use it while a refresh runs, unless it expires before the refresh could land.
    if (cached && cached.expiresAt - this.#now() > (this.#options.timeoutMs ?? 10_000)) {
      void this.#refresh().catch(() => undefined);
      return cached.token;
    }
    return (await this.#refresh()).token;
  }

  /** Forgets the cached token, e.g. after the backend answered 401 with it. */
  invalidate(): void {
    if (this.#fixed) return;
    this.#cached = undefined;
    clearTimeout(this.#refreshTimer);
  }

  /** Stops background refreshes. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#refreshTimer);
  }

  #refreshMargin(cached: Cached): number {
    const lifetime = cached.expiresAt - cached.obtainedAt;
    return Math.min(this.#options.refreshBeforeMs ?? 60_000, lifetime / 5);
  }

  #dueForRefresh(cached: Cached): boolean {
    return this.#now() >= cached.expiresAt - this.#refreshMargin(cached);
  }

  #refresh(): Promise<Cached> {
    this.#inFlight ??= this.#fetchWithRetry()
      .then((fresh) => {
        if (!this.#closed) {
          this.#cached = fresh;
          this.#schedule(fresh);
        }
        return fresh;
      })
      .finally(() => {
        this.#inFlight = undefined;
      });
    return this.#inFlight;
  }

  #schedule(cached: Cached): void {
    clearTimeout(this.#refreshTimer);
    const delay = cached.expiresAt - this.#refreshMargin(cached) - this.#now();
    if (!Number.isFinite(delay)) return;
    this.#refreshTimer = setTimeout(
      () => {
        this.#refresh().catch(() => {
          // The current token is still good until it expires; getToken fetches again then.
        });
      },
      Math.max(0, delay),
    );
  }

  async #fetchWithRetry(): Promise<Cached> {
    const attempts = Math.max(1, this.#options.attempts ?? 4);
    let delay = this.#options.initialDelayMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#fetchOnce();
      } catch (error) {
        if (attempt >= attempts || !(error instanceof TokenError) || !error.retryable || this.#closed)
          throw error;
      }
      // Full jitter, so that a room's worth of widgets does not come back in step.
      await new Promise((r) => setTimeout(r, Math.random() * delay));
      delay = Math.min(delay * 2, this.#options.maxDelayMs ?? 8000);
    }
  }

  async #fetchOnce(): Promise<Cached> {
    const { endpoint, request, credentials, timeoutMs } = this.#options;
    let response: Response;
    try {
      response = await this.#fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
        credentials: credentials ?? 'same-origin',
        signal: AbortSignal.timeout(timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new TokenError('network_error', `token endpoint unreachable: ${String(error)}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const description = (body as { errorDescription?: unknown } | undefined)?.errorDescription;
      const message = `token endpoint answered ${response.status}${typeof description === 'string' ? `: ${description}` : ''}`;
      throw new TokenError(codeForStatus(response.status), message, response.status);
    }
    const { token, expiresAt } = (body ?? {}) as Partial<TokenResponse>;
    if (typeof token !== 'string' || token === '') {
      throw new TokenError('bad_response', 'token endpoint: no token', response.status);
    }
    const expiry = typeof expiresAt === 'number' ? expiresAt : jwtExpiry(token);
    const now = this.#now();
    if (expiry === undefined || expiry <= now) {
      throw new TokenError('bad_response', 'token endpoint: no future expiry', response.status);
    }
    return { token, expiresAt: expiry, obtainedAt: now };
  }
}

function codeForStatus(status: number): TokenErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 429 || status >= 500) return 'unavailable';
  return 'rejected';
}

/** The `exp` claim of a JWT in milliseconds, read without verifying (the backend verifies). */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
