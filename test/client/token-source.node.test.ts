/** TokenSource over a fake fetch and a hand-driven clock. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TokenError, TokenSource, type TokenSourceOptions } from '../../src/client/token-source.ts';

const MINUTE = 60_000;

interface FakeEndpoint {
  fetch: typeof fetch;
  requests: { url: string; init: RequestInit | undefined }[];
}

/** A fake `fetch` for the token endpoint, answering from a script; a function entry is called per request. */
function fakeTokenEndpoint(script: (Response | Error | (() => Response))[]): FakeEndpoint {
  const requests: FakeEndpoint['requests'] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    requests.push({ url: input instanceof Request ? input.url : input.toString(), init });
    const next = script.length > 1 ? script.shift() : script[0];
    if (!next) return Promise.reject(new Error('fake token endpoint: nothing scripted'));
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve(typeof next === 'function' ? next() : next.clone());
  };
  return { fetch, requests };
}

function tokenResponse(token: string, expiresAt: number): Response {
  return new Response(JSON.stringify({ token, expiresAt }), { status: 200 });
}

const opened: TokenSource[] = [];

function source(endpoint: FakeEndpoint, clock: { now: number }, options: Partial<TokenSourceOptions> = {}) {
  const tokens = new TokenSource({
    endpoint: 'https://site.test/api/token',
    request: { room: 'support-42', name: 'Ada' },
    fetch: endpoint.fetch,
    now: () => clock.now,
    initialDelayMs: 1,
    maxDelayMs: 2,
    ...options,
  });
  opened.push(tokens);
  return tokens;
}

function jwt(claims: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.signature`;
}

void describe('TokenSource', () => {
  // A failed test must not leave a refresh timer keeping the process alive.
  afterEach(() => opened.splice(0).forEach((t) => t.close()));

  void it('posts the room request as JSON and caches the token until it is due', async () => {
    const clock = { now: 1_000_000 };
    const endpoint = fakeTokenEndpoint([tokenResponse('t1', clock.now + 10 * MINUTE)]);
    const tokens = source(endpoint, clock, { request: { room: 'support-42', name: 'Ada', role: 'viewer' } });
    assert.equal(await tokens.getToken(), 't1');
    clock.now += 8 * MINUTE;
    assert.equal(await tokens.getToken(), 't1');
    assert.equal(endpoint.requests.length, 1);
    const [{ url, init }] = endpoint.requests as [FakeEndpoint['requests'][number]];
    assert.equal(url, 'https://site.test/api/token');
    assert.equal(init?.method, 'POST');
    assert.deepEqual(JSON.parse(init?.body as string), { room: 'support-42', name: 'Ada', role: 'viewer' });
    assert.equal((init?.headers as Record<string, string>)['content-type'], 'application/json');
    assert.equal(init?.credentials, 'same-origin');
  });

  void it('shares one fetch between concurrent callers', async () => {
    const clock = { now: 0 };
    const endpoint = fakeTokenEndpoint([tokenResponse('t1', 10 * MINUTE)]);
    const tokens = source(endpoint, clock);
    assert.deepEqual(await Promise.all([tokens.getToken(), tokens.getToken(), tokens.getToken()]), [
      't1',
      't1',
      't1',
    ]);
    assert.equal(endpoint.requests.length, 1);
  });

  void it('refreshes in the background a minute before expiry', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const clock = { now: 0 };
    const endpoint = fakeTokenEndpoint([tokenResponse('t1', 10 * MINUTE), tokenResponse('t2', 20 * MINUTE)]);
    const tokens = source(endpoint, clock);
    assert.equal(await tokens.getToken(), 't1');
    clock.now = 9 * MINUTE - 1;
    t.mock.timers.tick(9 * MINUTE - 1);
    assert.equal(endpoint.requests.length, 1);
    clock.now = 9 * MINUTE;
    t.mock.timers.tick(1);
    assert.equal(endpoint.requests.length, 2);
    // The refresh lands a few event-loop turns later; until then the still-valid t1 is handed out.
    let token = await tokens.getToken();
    for (let turns = 0; token !== 't2' && turns < 100; turns++) {
      await new Promise((r) => setImmediate(r));
      token = await tokens.getToken();
    }
    assert.equal(token, 't2');
    assert.equal(endpoint.requests.length, 2);
  });

  void it('refreshes short-lived tokens a fifth of their lifetime early', async () => {
    const clock = { now: 0 };
    const endpoint = fakeTokenEndpoint([tokenResponse('t1', 50_000), tokenResponse('t2', 100_000)]);
    const tokens = source(endpoint, clock, { timeoutMs: 1000 });
    await tokens.getToken();
    clock.now = 39_999;
    assert.equal(await tokens.getToken(), 't1');
    assert.equal(endpoint.requests.length, 1);
    clock.now = 40_000;
    // Due but still valid for longer than a fetch may take: handed out while the refresh runs.
    assert.equal(await tokens.getToken(), 't1');
    assert.equal(endpoint.requests.length, 2);
  });

  void it('waits for a fresh token when the cached one is about to expire', async () => {
    const clock = { now: 0 };
    const endpoint = fakeTokenEndpoint([tokenResponse('t1', 10 * MINUTE), tokenResponse('t2', 30 * MINUTE)]);
    const tokens = source(endpoint, clock);
    await tokens.getToken();
    clock.now = 10 * MINUTE - 5000;
    assert.equal(await tokens.getToken(), 't2');
  });

  void it('retries network errors, 429 and 5xx with backoff', async () => {
    const clock = { now: 0 };
    const endpoint = fakeTokenEndpoint([
      new TypeError('fetch failed'),
      new Response('{}', { status: 429 }),
      new Response('busy', { status: 503 }),
      tokenResponse('t1', 10 * MINUTE),
    ]);
    const tokens = source(endpoint, clock);
    assert.equal(await tokens.getToken(), 't1');
    assert.equal(endpoint.requests.length, 4);
  });

  void it('gives up after the last attempt with a retryable error', async () => {
    const clock = { now: 0 };
    const endpoint = fakeTokenEndpoint([new Response('down', { status: 502 })]);
    const tokens = source(endpoint, clock, { attempts: 3 });
    await assert.rejects(tokens.getToken(), (e: unknown) => {
      assert.ok(e instanceof TokenError);
      assert.equal(e.code, 'unavailable');
      assert.equal(e.status, 502);
      assert.equal(e.retryable, true);
      return true;
    });
    assert.equal(endpoint.requests.length, 3);
  });

  void it('does not retry refusals, and says which', async () => {
    for (const [status, code] of [
      [401, 'unauthorized'],
      [403, 'forbidden'],
      [404, 'not_found'],
      [400, 'rejected'],
    ] as const) {
      const endpoint = fakeTokenEndpoint([
        new Response(JSON.stringify({ errorCode: 'x', errorDescription: 'no entry' }), { status }),
      ]);
      const tokens = source(endpoint, { now: 0 });
      await assert.rejects(tokens.getToken(), (e: unknown) => {
        assert.ok(e instanceof TokenError);
        assert.equal(e.code, code);
        assert.equal(e.retryable, false);
        assert.match(e.message, /no entry/);
        return true;
      });
      assert.equal(endpoint.requests.length, 1);
    }
  });

  void it('rejects responses without a token or a future expiry', async () => {
    for (const body of [{}, { token: '' }, { token: 't', expiresAt: -1 }, { token: 'not-a-jwt' }]) {
      const endpoint = fakeTokenEndpoint([new Response(JSON.stringify(body), { status: 200 })]);
      await assert.rejects(source(endpoint, { now: 0 }).getToken(), {
        name: 'TokenError',
        code: 'bad_response',
      });
    }
  });

  void it("reads the expiry from the JWT's exp when the endpoint gives none", async () => {
    const clock = { now: 0 };
    const token = jwt({ exp: 600 });
    const endpoint = fakeTokenEndpoint([new Response(JSON.stringify({ token }), { status: 200 })]);
    const tokens = source(endpoint, clock);
    assert.equal(await tokens.getToken(), token);
    clock.now = 500_000;
    assert.equal(await tokens.getToken(), token);
    assert.equal(endpoint.requests.length, 1);
  });

  void it('keeps the current token when a background refresh fails', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const clock = { now: 0 };
    const endpoint = fakeTokenEndpoint([
      tokenResponse('t1', 10 * MINUTE),
      new Response('no', { status: 401 }),
    ]);
    const tokens = source(endpoint, clock);
    await tokens.getToken();
    clock.now = 9 * MINUTE;
    t.mock.timers.tick(9 * MINUTE);
    assert.equal(endpoint.requests.length, 2);
    await new Promise<void>((r) => setImmediate(r));
    clock.now = 9 * MINUTE + 30_000;
    assert.equal(await tokens.getToken(), 't1');
  });

  void it('fetches again after invalidate', async () => {
    const endpoint = fakeTokenEndpoint([tokenResponse('t1', 10 * MINUTE), tokenResponse('t2', 10 * MINUTE)]);
    const tokens = source(endpoint, { now: 0 });
    assert.equal(await tokens.getToken(), 't1');
    tokens.invalidate();
    assert.equal(await tokens.getToken(), 't2');
  });

  void it('hands out a fixed token until its exp, without fetching', async () => {
    const clock = { now: 0 };
    const token = jwt({ sub: 'u', exp: 60 });
    const tokens = TokenSource.fixed(token, { now: () => clock.now });
    assert.equal(await tokens.getToken(), token);
    clock.now = 59_999;
    assert.equal(await tokens.getToken(), token);
    clock.now = 60_000;
    await assert.rejects(tokens.getToken(), { name: 'TokenError', code: 'expired' });
    assert.equal(await TokenSource.fixed('opaque').getToken(), 'opaque');
  });
});
