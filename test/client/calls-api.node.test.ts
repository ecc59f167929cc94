/** CallsApi over a fake fetch: URLs, bearer, error mapping and which calls retry. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallsApi, CallsApiError } from '../../src/client/calls-api.ts';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fake `fetch` answering from a script of responses, recording every call. */
function fakeFetch(responses: (Response | Error | (() => Promise<Response>))[]): {
  fetch: typeof fetch;
  calls: Call[];
} {
  const calls: Call[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    calls.push({
      url: input instanceof Request ? input.url : input.toString(),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const next = responses.shift();
    if (!next) throw new Error('fake fetch: no scripted response left');
    if (next instanceof Error) throw next;
    if (typeof next === 'function') return next();
    return next;
  };
  return { fetch, calls };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const fastRetry = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 };

void describe('CallsApi', () => {
  void it('sends each endpoint to its path with the bearer asked for per request', async () => {
    const { fetch, calls } = fakeFetch([
      json(201, { sessionId: 's1' }),
      json(200, { tracks: [] }),
      json(200, {}),
      json(200, { tracks: [] }),
      json(200, { tracks: [] }),
      json(200, { tracks: [], dataChannels: [] }),
      json(200, { dataChannel: { id: 0 } }),
      json(200, { dataChannels: [] }),
      json(200, { dataChannels: [] }),
      json(200, { dataChannels: [] }),
    ]);
    let n = 0;
    const api = new CallsApi({
      baseUrl: 'http://sfu.test/v1/apps/app1/',
      authorization: () => Promise.resolve(`token-${++n}`),
      fetch,
    });
    const offer = { type: 'offer' as const, sdp: 'v=0' };
    assert.deepEqual(await api.newSession({ correlationId: 'c 1' }), { sessionId: 's1' });
    await api.newTracks('s1', {
      sessionDescription: offer,
      tracks: [{ location: 'local', mid: '0', trackName: 't' }],
    });
    await api.renegotiate('s1', { sessionDescription: { type: 'answer', sdp: 'v=0' } });
    await api.closeTracks('s1', { tracks: [{ mid: '0' }], force: true });
    await api.updateTracks('s1', {
      tracks: [{ location: 'remote', mid: '1', sessionId: 's0', trackName: 't' }],
    });
    await api.getSession('s1');
    await api.establishDataChannels('s1', {
      dataChannel: { location: 'remote', dataChannelName: 'server-events' },
    });
    await api.newDataChannels('s1', { dataChannels: [{ location: 'local', dataChannelName: 'chat' }] });
    await api.updateDataChannels('s1', { dataChannels: [{ location: 'remote', dataChannelName: 'chat' }] });
    await api.closeDataChannels('s1', { dataChannels: [{ id: 2 }] });

    const base = 'http://sfu.test/v1/apps/app1';
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.url}`),
      [
        `POST ${base}/sessions/new?correlationId=c+1`,
        `POST ${base}/sessions/s1/tracks/new`,
        `PUT ${base}/sessions/s1/renegotiate`,
        `PUT ${base}/sessions/s1/tracks/close`,
        `PUT ${base}/sessions/s1/tracks/update`,
        `GET ${base}/sessions/s1`,
        `POST ${base}/sessions/s1/datachannels/establish`,
        `POST ${base}/sessions/s1/datachannels/new`,
        `PUT ${base}/sessions/s1/datachannels/update`,
        `PUT ${base}/sessions/s1/datachannels/close`,
      ],
    );
    assert.deepEqual(
      calls.map((c) => c.headers.authorization),
      calls.map((_, i) => `Bearer token-${i + 1}`),
    );
    assert.equal(calls[0]?.body, undefined);
    assert.deepEqual(calls[3]?.body, { tracks: [{ mid: '0' }], force: true });
    assert.equal(calls[1]?.headers['content-type'], 'application/json');
  });

  void it('turns a non-2xx status or a top-level errorCode into a CallsApiError', async () => {
    const { fetch } = fakeFetch([
      json(406, { errorCode: 'invalid_params', errorDescription: 'pending offer' }),
      json(200, { errorCode: 'session_error', errorDescription: 'gone' }),
      new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    ]);
    const api = new CallsApi({
      baseUrl: 'http://sfu.test',
      authorization: () => 's',
      fetch,
      retry: { attempts: 1 },
    });
    await assert.rejects(api.newTracks('s1', { tracks: [] }), (e: unknown) => {
      assert.ok(e instanceof CallsApiError);
      assert.equal(e.status, 406);
      assert.equal(e.errorCode, 'invalid_params');
      assert.equal(e.errorDescription, 'pending offer');
      assert.equal(e.request, 'POST sessions/s1/tracks/new');
      return true;
    });
    await assert.rejects(api.renegotiate('s1', { sessionDescription: { type: 'answer', sdp: '' } }), {
      name: 'CallsApiError',
      status: 200,
      errorCode: 'session_error',
    });
    await assert.rejects(api.getSession('s1'), {
      status: 502,
      errorCode: 'http_502',
      errorDescription: 'Bad Gateway',
    });
  });

  void it('keeps per-item failures in the returned items', async () => {
    const items = [
      {
        sessionId: 'p',
        trackName: 'a',
        mid: '',
        errorCode: 'not_found_track_error',
        errorDescription: 'nope',
      },
      { sessionId: 'p', trackName: 'b', mid: '3' },
    ];
    const { fetch } = fakeFetch([json(200, { requiresImmediateRenegotiation: true, tracks: items })]);
    const api = new CallsApi({ baseUrl: 'http://sfu.test', authorization: () => 's', fetch });
    const response = await api.newTracks('s1', { tracks: [] });
    assert.deepEqual(response.tracks, items);
  });

  void it('retries idempotent calls on 429, 5xx, retryable codes and network errors', async () => {
    const { fetch, calls } = fakeFetch([
      json(429, {}),
      json(503, { errorCode: 'temporarily_unavailable_error', errorDescription: '' }),
      json(200, { tracks: [], dataChannels: [] }),
      json(200, { errorCode: 'retryable_transient_error', errorDescription: '' }),
      new TypeError('fetch failed'),
      json(201, { sessionId: 's2' }),
    ]);
    const api = new CallsApi({
      baseUrl: 'http://sfu.test',
      authorization: () => 's',
      fetch,
      retry: fastRetry,
    });
    assert.deepEqual(await api.getSession('s1'), { tracks: [], dataChannels: [] });
    assert.deepEqual(await api.newSession(), { sessionId: 's2' });
    assert.equal(calls.length, 6);
  });

  void it('gives up after the last attempt', async () => {
    const { fetch, calls } = fakeFetch([json(500, {}), json(500, {}), json(500, {})]);
    const api = new CallsApi({
      baseUrl: 'http://sfu.test',
      authorization: () => 's',
      fetch,
      retry: fastRetry,
    });
    await assert.rejects(api.getSession('s1'), { status: 500 });
    assert.equal(calls.length, 3);
  });

  void it('never retries calls that move the offer/answer state or allocate', async () => {
    const offer = { type: 'offer' as const, sdp: 'v=0' };
    const cases: [string, (api: CallsApi) => Promise<unknown>][] = [
      ['tracks/new', (api) => api.newTracks('s', { tracks: [] })],
      ['renegotiate', (api) => api.renegotiate('s', { sessionDescription: { type: 'answer', sdp: '' } })],
      [
        'negotiated close',
        (api) => api.closeTracks('s', { tracks: [], force: false, sessionDescription: offer }),
      ],
      ['establish', (api) => api.establishDataChannels('s', { dataChannel: {} })],
      ['datachannels/new', (api) => api.newDataChannels('s', { dataChannels: [] })],
      ['legacy sessions/new', (api) => api.newSession({ sessionDescription: offer })],
    ];
    for (const [name, call] of cases) {
      const { fetch, calls } = fakeFetch([json(503, {}), json(200, {})]);
      const api = new CallsApi({
        baseUrl: 'http://sfu.test',
        authorization: () => 's',
        fetch,
        retry: fastRetry,
      });
      await assert.rejects(call(api), { status: 503 }, name);
      assert.equal(calls.length, 1, name);
    }
  });

  void it('retries a 429 on any call: it was refused before it took effect', async () => {
    const { fetch, calls } = fakeFetch([
      json(429, { errorCode: 'rate_limited', errorDescription: 'slow down' }),
      json(200, { requiresImmediateRenegotiation: true, tracks: [] }),
    ]);
    const api = new CallsApi({
      baseUrl: 'http://sfu.test',
      authorization: () => 's',
      fetch,
      retry: fastRetry,
    });
    assert.deepEqual(await api.newTracks('s1', { tracks: [] }), {
      requiresImmediateRenegotiation: true,
      tracks: [],
    });
    assert.equal(calls.length, 2);
  });

  void it('does not retry client errors', async () => {
    const { fetch, calls } = fakeFetch([
      json(401, { errorCode: 'unauthorized', errorDescription: 'bad token' }),
    ]);
    const api = new CallsApi({
      baseUrl: 'http://sfu.test',
      authorization: () => 's',
      fetch,
      retry: fastRetry,
    });
    await assert.rejects(api.getSession('s1'), { status: 401, errorCode: 'unauthorized' });
    assert.equal(calls.length, 1);
  });

  void it('times out an attempt that gets no response', async () => {
    const hangingFetch: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const api = new CallsApi({
      baseUrl: 'http://sfu.test',
      authorization: () => 's',
      fetch: hangingFetch,
      timeoutMs: 20,
      retry: { attempts: 1 },
    });
    // AbortSignal.timeout's timer does not keep Node's event loop alive.
    const keepAlive = setTimeout(() => undefined, 5000);
    await assert.rejects(api.getSession('s1'), { name: 'CallsApiError', status: 0, errorCode: 'timeout' });
    clearTimeout(keepAlive);
  });

  void it("rejects with the caller's abort reason and stops retrying", async () => {
    const { fetch, calls } = fakeFetch([json(503, {}), json(503, {}), json(503, {})]);
    const api = new CallsApi({
      baseUrl: 'http://sfu.test',
      authorization: () => 's',
      fetch,
      retry: { attempts: 3, initialDelayMs: 10_000, maxDelayMs: 10_000 },
    });
    const controller = new AbortController();
    const pending = api.getSession('s1', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('left the room')), 10);
    await assert.rejects(pending, { message: 'left the room' });
    assert.equal(calls.length, 1);
  });
});
