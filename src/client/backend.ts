/** The backend a Room talks to: its URLs, the room token source, the Calls proxy client, the ICE servers. */
import { CallsApi } from './calls-api.ts';
import type { RoomOptions } from './room-types.ts';
import { TokenSource } from './token-source.ts';

export class Backend {
  readonly endpoint: string;
  readonly tokens: TokenSource;
  readonly api: CallsApi;
  readonly #fetch: typeof fetch;

  constructor(options: Readonly<RoomOptions>) {
    const f = options.fetch ?? globalThis.fetch;
    this.#fetch = (input, init) => f(input, init);
    this.endpoint = new URL(options.endpoint || '/api', globalThis.location?.href).href.replace(/\/+$/, '');
    this.tokens = options.token
      ? TokenSource.fixed(options.token)
      : new TokenSource({
          endpoint: options.tokenEndpoint || `${this.endpoint}/token`,
          request: { room: options.room, name: options.name },
          fetch: this.#fetch,
          attempts: 2,
          initialDelayMs: 200,
        });
    this.api = new CallsApi({
      baseUrl: `${this.endpoint}/calls`,
      authorization: () => this.tokens.getToken(),
      fetch: this.#fetch,
      retry: { attempts: 2 },
    });
  }

  /** The presence socket's URL for a room. */
  roomUrl(room: string): string {
    const url = new URL(`${this.endpoint}/rooms/${encodeURIComponent(room)}`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.href;
  }

  /** The backend's ICE servers for this token (none when it cannot say). */
  async iceServers(): Promise<RTCIceServer[]> {
    const response = await this.#fetch(`${this.endpoint}/ice-servers`, {
      headers: { authorization: `Bearer ${await this.tokens.getToken()}` },
    });
    if (!response.ok) return [];
    const body = (await response.json()) as { iceServers?: RTCIceServer[] };
    return body.iceServers ?? [];
  }
}
