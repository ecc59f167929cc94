/**
 * Node-side driving of the embedded SFU for its conformance tests: an in-process SFU, a raw Calls API caller
 * that checks every response against calls-openapi.yaml, and a werift peer playing the browser.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { RTCPeerConnection, RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import { startSfu, type RunningSfu, type SfuOptions } from '../../src/sfu/server.ts';
import type { SfuLimits } from '../../src/sfu/config.ts';
import type {
  CallsErrorFields,
  CloseTracksResponse,
  DataChannelsResponse,
  EstablishDataChannelsResponse,
  GetSessionStateResponse,
  NewSessionResponse,
  RenegotiateResponse,
  SessionDescription,
  TracksResponse,
  UpdateTracksResponse,
} from '../../src/protocol/calls.ts';
import { validateResponse } from './openapi.ts';
import { until as untilHolds } from '../helpers/wait.ts';

export const APP_ID = 'conformance-app';
export const APP_SECRET = 'conformance-secret-0123456789';

/** One operation of the spec: its method, path template, and (as a phantom) the response body type. */
export interface Operation<T> {
  method: string;
  path: string;
  body?: T;
}
const op = <T>(method: string, path: string): Operation<T> => ({ method, path });

/** The spec's operations on sessions, by short name. */
export const OP = {
  newSession: op<NewSessionResponse>('POST', '/apps/{appId}/sessions/new'),
  getSession: op<GetSessionStateResponse>('GET', '/apps/{appId}/sessions/{sessionId}'),
  tracksNew: op<TracksResponse>('POST', '/apps/{appId}/sessions/{sessionId}/tracks/new'),
  renegotiate: op<RenegotiateResponse>('PUT', '/apps/{appId}/sessions/{sessionId}/renegotiate'),
  tracksClose: op<CloseTracksResponse>('PUT', '/apps/{appId}/sessions/{sessionId}/tracks/close'),
  tracksUpdate: op<UpdateTracksResponse>('PUT', '/apps/{appId}/sessions/{sessionId}/tracks/update'),
  dcEstablish: op<EstablishDataChannelsResponse>(
    'POST',
    '/apps/{appId}/sessions/{sessionId}/datachannels/establish',
  ),
  dcNew: op<DataChannelsResponse>('POST', '/apps/{appId}/sessions/{sessionId}/datachannels/new'),
  dcUpdate: op<DataChannelsResponse>('PUT', '/apps/{appId}/sessions/{sessionId}/datachannels/update'),
  dcClose: op<DataChannelsResponse>('PUT', '/apps/{appId}/sessions/{sessionId}/datachannels/close'),
};

export interface CallOptions {
  appId?: string;
  sessionId?: string;
  /** A JSON value (stringified), or a raw string sent as is. */
  body?: unknown;
  /** Replaces the default `authorization` header; `null` sends none. */
  authorization?: string | null;
  headers?: Record<string, string>;
  /** Appended to the path verbatim, e.g. `?thirdparty=true`. */
  query?: string;
  /** `/v1/apps/…` (default) or `/apps/…`. */
  prefix?: '/v1' | '';
}

/** A response; its body passed the spec's schema for (operation, status), so the type is earned. */
export interface Reply<T> {
  status: number;
  body: T & CallsErrorFields;
  headers: Headers;
}

/** Reads a response: it must be JSON (a body on every response), and is checked against the spec. */
export async function readReply<T = Record<string, unknown>>(
  res: Response,
  method: string,
  template: string,
): Promise<Reply<T>> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`${method} ${template} → ${res.status}: body is not JSON: ${JSON.stringify(text)}`);
  }
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${method} ${template}`);
  validateResponse(method, template, res.status, body);
  // The spec documents `vary: Origin` on every success response.
  if (res.ok) assert.match(res.headers.get('vary') ?? '', /\bOrigin\b/i, `${method} ${template}: vary`);
  return { status: res.status, body: body as T & CallsErrorFields, headers: res.headers };
}

/** The array, asserted present. */
export function list<T>(value: T[] | undefined, what = 'array'): T[] {
  assert.ok(Array.isArray(value), `${what} is missing`);
  return value;
}

export class TestSfu {
  private constructor(readonly sfu: RunningSfu) {}

  static async start(limits: Partial<SfuLimits> = {}, options: SfuOptions = {}): Promise<TestSfu> {
    const sfu = await startSfu({ port: 0, appId: APP_ID, appSecret: APP_SECRET, limits, ...options });
    return new TestSfu(sfu);
  }

  /** `http://127.0.0.1:port` */
  get origin(): string {
    return this.sfu.url.replace(/\/v1$/, '');
  }

  url(template: string, options: CallOptions = {}): string {
    const path = template
      .replace('{appId}', options.appId ?? APP_ID)
      .replace('{sessionId}', options.sessionId ?? '');
    return `${this.origin}${options.prefix ?? '/v1'}${path}${options.query ?? ''}`;
  }

  async call<T>({ method, path: template }: Operation<T>, options: CallOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const auth = options.authorization === undefined ? `Bearer ${APP_SECRET}` : options.authorization;
    if (auth !== null) headers.authorization = auth;
    const body = options.body;
    const res = await fetch(this.url(template, options), {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return readReply<T>(res, method, template);
  }

  async newSession(app: Pick<CallOptions, 'appId' | 'authorization'> = {}): Promise<string> {
    const r = await this.call(OP.newSession, app);
    assert.equal(r.status, 201);
    return r.body.sessionId;
  }

  close(): Promise<void> {
    return this.sfu.close();
  }
}

/** Polls a condition until it holds (the suites' one poll, test/helpers/wait.ts), failing after 10 s. */
export function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  return untilHolds(cond, what, timeoutMs);
}

/** A werift peer connection playing the browser: loopback only, BUNDLE. */
export function clientPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
  });
}

export async function connected(pc: RTCPeerConnection, timeoutMs = 10_000): Promise<void> {
  const seen: string[] = [];
  const sub = pc.connectionStateChange.subscribe((s) => seen.push(s));
  const ice = pc.iceConnectionStateChange.subscribe((s) => seen.push(`ice:${s}`));
  try {
    await until(
      () => {
        if (pc.connectionState === 'failed') throw new Error(`client peer failed (${seen.join(' → ')})`);
        return pc.connectionState === 'connected';
      },
      'client peer connected',
      timeoutMs,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; states seen: ${seen.join(' → ') || pc.connectionState}`, {
      cause: e,
    });
  } finally {
    sub.unSubscribe();
    ice.unSubscribe();
  }
}

/** Sends a 20 ms Opus-shaped RTP packet (dummy payload) on an audio sender until stopped. */
export function sendAudio(transceiver: RTCRtpTransceiver, ssrc = 0x1234): { packets: number; stop(): void } {
  let seq = 0;
  let timestamp = 0;
  const state = {
    packets: 0,
    stop: () => clearInterval(timer),
  };
  const payloadType = transceiver.codecs[0]?.payloadType ?? 111;
  const timer = setInterval(() => {
    const header = new RtpHeader({
      payloadType,
      sequenceNumber: seq++ & 0xffff,
      timestamp: (timestamp += 960) >>> 0,
      ssrc,
    });
    state.packets++;
    void transceiver.sender.sendRtp(new RtpPacket(header, Buffer.alloc(40, 0x55)));
  }, 20);
  return state;
}

/** A publisher: one session, one werift peer, sendonly audio tracks fed with RTP. */
const STALL = 'client peer connected';

/**
 * `it`, whose body runs once more (with fresh sessions and peers, as each body makes its own) when a werift
 * client connection stalled in the DTLS handshake (see FIRST_CONNECT_MS); any other failure fails at once.
 * The retry is announced on stderr.
 */
export function itRetrying(name: string, body: () => Promise<void>): Promise<void> {
  return it(name, async () => {
    try {
      await body();
    } catch (e) {
      if (!(e instanceof Error) || !e.message.includes(STALL)) throw e;
      console.warn(`test "${name}": running again after a stalled connection: ${e.message}`);
      await body();
    }
  });
}

/**
 * werift's DTLS client can wedge for good when its process is starved of CPU (seen with two busy loops
 * beside the tests: ICE connects, both sides retransmit flights 3 and 4 until they give up after ~35 s; the
 * handshake messages it dropped once are deduplicated forever). A first connection of a fresh peer that
 * is still not up after this long is retried once with a new peer and session, and says so on stderr.
 */
const FIRST_CONNECT_MS = 8_000;

export class Publisher {
  pc = clientPeer();
  sessionId = '';
  private readonly senders: { stop(): void }[] = [];

  /** `app` publishes in another app than the default one. */
  constructor(
    readonly sfu: TestSfu,
    readonly app: Pick<CallOptions, 'appId' | 'authorization'> = {},
  ) {}

  /** Publishes `names` with a client offer (mode A), waits for `connected`, and starts RTP on each. */
  async publish(names: string[], options: { rtp?: boolean } = {}): Promise<Reply<TracksResponse>> {
    const fresh = !this.sessionId;
    try {
      return await this.attempt(names, options, fresh ? FIRST_CONNECT_MS : 20_000);
    } catch (e) {
      if (!fresh || !(e as Error).message.includes(STALL)) throw e;
      console.warn(`test publisher: retrying with a new session after: ${(e as Error).message}`);
      await this.pc.close();
      this.pc = clientPeer();
      this.sessionId = '';
      return this.attempt(names, options, 20_000);
    }
  }

  private async attempt(
    names: string[],
    options: { rtp?: boolean },
    connectMs: number,
  ): Promise<Reply<TracksResponse>> {
    this.sessionId ||= await this.sfu.newSession(this.app);
    const transceivers = names.map(() => this.pc.addTransceiver('audio', { direction: 'sendonly' }));
    await this.pc.setLocalDescription(await this.pc.createOffer());
    const reply = await this.sfu.call(OP.tracksNew, {
      ...this.app,
      sessionId: this.sessionId,
      body: {
        sessionDescription: { type: 'offer', sdp: this.pc.localDescription!.sdp },
        tracks: names.map((trackName, i) => ({ location: 'local', mid: transceivers[i]!.mid, trackName })),
      },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.ok(reply.body.sessionDescription, 'publish: no answer');
    await this.pc.setRemoteDescription(reply.body.sessionDescription);
    await connected(this.pc, connectMs);
    if (options.rtp !== false) for (const t of transceivers) this.senders.push(sendAudio(t));
    return reply;
  }

  /** Stops the RTP of every published track (the peer connection stays up). */
  stopRtp(): Promise<void> {
    for (const s of this.senders.splice(0)) s.stop();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.stopRtp();
    await this.pc.close();
  }
}

/** A subscriber: pulls with SFU offers (mode B) and answers them through /renegotiate. */
export class Subscriber {
  readonly pc = clientPeer();
  sessionId = '';
  received = 0;

  constructor(readonly sfu: TestSfu) {
    this.pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => this.received++));
  }

  async init(): Promise<this> {
    this.sessionId ||= await this.sfu.newSession();
    return this;
  }

  pullRequest(tracks: { sessionId: string; trackName: string }[]): Promise<Reply<TracksResponse>> {
    return this.sfu.call(OP.tracksNew, {
      sessionId: this.sessionId,
      body: { tracks: tracks.map((t) => ({ location: 'remote', ...t })) },
    });
  }

  /** Applies an SFU offer and returns the answer SDP (not yet sent). */
  async answer(offer: SessionDescription | undefined): Promise<string> {
    assert.equal(offer?.type, 'offer', 'an SFU offer to answer');
    await this.pc.setRemoteDescription(offer);
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return this.pc.localDescription!.sdp;
  }

  renegotiate(sdp: string): Promise<Reply<RenegotiateResponse>> {
    return this.sfu.call(OP.renegotiate, {
      sessionId: this.sessionId,
      body: { sessionDescription: { type: 'answer', sdp } },
    });
  }

  /** Answers an SFU offer and sends the answer (`renegotiate`). */
  async accept(offer: SessionDescription | undefined): Promise<Reply<RenegotiateResponse>> {
    return this.renegotiate(await this.answer(offer));
  }

  close(): Promise<void> {
    return this.pc.close();
  }
}

/**
 * What a test file opens and must close after all its tests: `track(x)` registers `x.close()`, `onCleanup`
 * any other step; they run in the order registered.
 */
export function closeAfterAll(): {
  track: <T extends { close(): Promise<void> }>(x: T) => T;
  onCleanup: (step: () => unknown) => void;
} {
  const steps: (() => unknown)[] = [];
  after(async () => {
    for (const step of steps.splice(0)) await step();
  });
  return {
    track: (x) => {
      steps.push(() => x.close());
      return x;
    },
    onCleanup: (step) => {
      steps.push(step);
    },
  };
}
