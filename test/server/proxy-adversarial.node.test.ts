/**
 * The Calls proxy attacked as an attacker would, in front of the real embedded SFU: generated body variants
 * (fast-check) against every rule, floods of m-sections, oversized lines, trickling and aborted uploads.
 * Every case asserts the exact status, that nothing unvalidated reached the SFU (a recording relay sits
 * between proxy and SFU), and that a healthy call on the same SFU keeps flowing.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isCallsErrorBody } from '../../src/protocol/calls.ts';
import type { RoomRole } from '../../src/protocol/token.ts';
import { startBackend, type RunningBackend } from '../../src/server/node-server.ts';
import { APP_ID, APP_SECRET, Publisher, Subscriber, TestSfu, until } from '../sfu/node-harness.ts';
import { testSettings, token } from './helpers.ts';
import { floodOffer } from '../helpers/sdp-flood.ts';
import { JSON_SPACE, OTHER_SPACE } from '../helpers/spaces.ts';

const BODY_TIMEOUT_MS = 300;
const RUNS = { numRuns: 25 };

interface Relayed {
  method: string;
  path: string;
  body: string;
}

/** Passes every request on to the SFU unchanged and records it: what reached the SFU, exactly. */
async function startRelay(target: string): Promise<{ url: string; seen: Relayed[]; server: Server }> {
  const seen: Relayed[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', path: req.url ?? '', body });
      void fetch(`${target}${req.url ?? ''}`, {
        method: req.method ?? 'GET',
        headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
        ...(body ? { body } : {}),
      }).then(async (r) => {
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(await r.text());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

let sfu: TestSfu;
let relay: Awaited<ReturnType<typeof startRelay>>;
let backend: RunningBackend;
const logs: string[] = [];
let healthy: { publisher: Publisher; subscriber: Subscriber };

/** A room token holder with a session bound through the proxy. */
interface User {
  tok: string;
  sessionId: string;
  call(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<Reply>;
}
interface Reply {
  status: number;
  text: string;
  json: unknown;
}

async function user(room: string, sub: string, role: RoomRole = 'guest'): Promise<User> {
  const tok = await token(room, sub, role);
  const call = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${backend.url}/api/calls/${path}`, {
      method,
      headers: { authorization: `Bearer ${tok}`, ...headers },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  };
  const created = await call('POST', 'sessions/new');
  assert.equal(created.status, 201, created.text);
  return { tok, sessionId: (created.json as { sessionId: string }).sessionId, call };
}

let victim: User; // room "north"
let attacker: User; // room "south"
let viewer: User; // room "south", role viewer

before(async () => {
  sfu = await TestSfu.start({ bodyTimeoutMs: BODY_TIMEOUT_MS });
  relay = await startRelay(sfu.origin);
  backend = await startBackend({
    settings: testSettings({
      CALLS_API: `${relay.url}/v1`,
      CALLS_APP_ID: APP_ID,
      CALLS_APP_SECRET: APP_SECRET,
      RATE_LIMIT_PER_SECOND: '10000',
      RATE_LIMIT_BURST: '10000',
    }),
    callsApi: `${relay.url}/v1`,
    port: 0,
    staticDir: false,
    tickIntervalMs: false,
    bodyTimeoutMs: BODY_TIMEOUT_MS,
    log: (line) => logs.push(line),
  });
  victim = await user('north', 'victim');
  attacker = await user('south', 'attacker');
  viewer = await user('south', 'viewer', 'viewer');
  // The healthy call: a publisher and a subscriber on the same SFU, RTP flowing between them.
  const publisher = new Publisher(sfu);
  await publisher.publish(['mic']);
  const subscriber = await new Subscriber(sfu).init();
  const pulled = await subscriber.pullRequest([{ sessionId: publisher.sessionId, trackName: 'mic' }]);
  assert.equal(pulled.status, 200, JSON.stringify(pulled.body));
  assert.equal((await subscriber.accept(pulled.body.sessionDescription)).status, 200);
  healthy = { publisher, subscriber };
  await stillFlowing();
});

after(async () => {
  await healthy?.publisher.close();
  await healthy?.subscriber.close();
  await backend?.close();
  await new Promise<void>((resolve) => relay.server.close(() => resolve()));
  await sfu?.close();
});

/** The healthy call receives more RTP (it did not stall or drop). */
async function stillFlowing(): Promise<void> {
  const from = healthy.subscriber.received;
  await until(() => healthy.subscriber.received >= from + 5, 'the healthy call still receives RTP');
}

/** Runs `attack`, then asserts that nothing reached the SFU and the healthy call still flows. */
async function unreached(attack: () => Promise<void>): Promise<void> {
  const before = relay.seen.length;
  await attack();
  assert.deepEqual(relay.seen.slice(before), [], 'nothing reached the SFU');
  await stillFlowing();
}

function expectError(reply: Reply, status: number, code: string, what = ''): void {
  assert.equal(reply.status, status, `${what} → ${reply.text}`);
  assert.ok(isCallsErrorBody(reply.json), reply.text);
  assert.equal(reply.json.errorCode, code, `${what} → ${reply.text}`);
}

// ---- bodies a rule must refuse ----------------------------------------------------------------------

/**
 * [method, route, body, who, refusal] that the rules refuse: 403 under the attacker's or viewer's own session;
 * 410 for another room's session in the path (this room does not know it: the same answer as for a session
 * that never existed, so it tells nothing about other rooms).
 */
type Refused = [string, string, Record<string, unknown>, () => User, Refusal?];
type Refusal = [status: number, code: string];
const OTHER_ROOM: Refusal = [410, 'session_error'];
const forbidden = (): Refused[] => {
  const north = victim.sessionId;
  const mine = `sessions/${attacker.sessionId}`;
  const theirs = `sessions/${viewer.sessionId}`;
  return [
    [
      'POST',
      `${mine}/tracks/new`,
      { tracks: [{ location: 'remote', sessionId: north, trackName: 'cam' }] },
      () => attacker,
    ],
    [
      'PUT',
      `${mine}/tracks/update`,
      { tracks: [{ location: 'remote', sessionId: north, trackName: 'cam', mid: '1' }] },
      () => attacker,
    ],
    [
      'POST',
      `${mine}/datachannels/new`,
      { dataChannels: [{ location: 'remote', sessionId: north, dataChannelName: 'chat' }] },
      () => attacker,
    ],
    [
      'PUT',
      `${mine}/datachannels/update`,
      { dataChannels: [{ location: 'remote', sessionId: north, dataChannelName: 'chat', canReply: true }] },
      () => attacker,
    ],
    [
      'POST',
      `${mine}/datachannels/establish`,
      { dataChannel: { location: 'remote', sessionId: north, dataChannelName: 'server-events' } },
      () => attacker,
    ],
    [
      'PUT',
      `${mine}/datachannels/close`,
      { dataChannels: [{ location: 'remote', sessionId: north, id: 2 }] },
      () => attacker,
    ],
    [
      'POST',
      `${theirs}/tracks/new`,
      { tracks: [{ location: 'local', mid: '0', trackName: 'cam' }] },
      () => viewer,
    ],
    ['POST', `${theirs}/tracks/new`, { autoDiscover: true }, () => viewer],
    ['POST', `${theirs}/tracks/new`, { tracks: [{ trackName: 'cam', mid: '0' }] }, () => viewer],
    [
      'POST',
      `${theirs}/datachannels/new`,
      { dataChannels: [{ location: 'local', dataChannelName: 'chat' }] },
      () => viewer,
    ],
    // Another room's session in the path.
    [
      'PUT',
      `sessions/${north}/tracks/close`,
      { tracks: [{ mid: '0' }], force: true },
      () => attacker,
      OTHER_ROOM,
    ],
    [
      'PUT',
      `sessions/${north}/renegotiate`,
      { sessionDescription: { type: 'answer', sdp: 'v=0' } },
      () => attacker,
      OTHER_ROOM,
    ],
  ];
};

const padding = fc
  .array(fc.constantFrom(...JSON_SPACE, ...OTHER_SPACE), { maxLength: 6 })
  .map((a) => a.join(''));
const isJsonSpace = (s: string) => [...s].every((ch) => JSON_SPACE.includes(ch));

void describe('proxy rules under attack (real proxy → real SFU)', () => {
  void it('the plain forbidden bodies are 403 (410 for another room’s session) and never reach the SFU', async () => {
    await unreached(async () => {
      for (const [method, path, body, who, [status, code] = [403, 'forbidden']] of forbidden()) {
        expectError(await who().call(method, path, JSON.stringify(body)), status, code, `${method} ${path}`);
      }
    });
  });

  void it('whitespace and Unicode spaces before or after: refused as plain when JSON allows them, else 400, never forwarded', async () => {
    const cases = forbidden();
    await unreached(() =>
      fc.assert(
        fc.asyncProperty(fc.nat(cases.length - 1), padding, padding, async (i, pre, post) => {
          const [method, path, body, who, [status, code] = [403, 'forbidden']] = cases[i]!;
          const reply = await who().call(method, path, `${pre}${JSON.stringify(body)}${post}`);
          if (isJsonSpace(pre + post)) expectError(reply, status, code);
          else expectError(reply, 400, 'decoding_error', JSON.stringify(pre + post));
        }),
        { numRuns: 60 },
      ),
    );
  });

  void it('wrong types in every field: 400 decoding_error, never forwarded', async () => {
    const cases = forbidden();
    const wrong = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
    );
    await unreached(() =>
      fc.assert(
        fc.asyncProperty(fc.nat(cases.length - 1), wrong, async (i, value) => {
          const [method, path, body, who] = cases[i]!;
          // Replace the first field of the first entry with a value of another type.
          const entryKey = Object.keys(body)[0]!;
          const entry = body[entryKey];
          if (typeof entry !== 'object' || entry === null) return;
          const first = Array.isArray(entry)
            ? (entry[0] as Record<string, unknown>)
            : (entry as Record<string, unknown>);
          const field = Object.keys(first)[0]!;
          if (typeof value === typeof first[field] && !Array.isArray(value) && value !== null) return;
          const mutated = { ...first, [field]: value };
          const sent = { ...body, [entryKey]: Array.isArray(entry) ? [mutated] : mutated };
          const reply = await who().call(method, path, JSON.stringify(sent));
          expectError(reply, 400, 'decoding_error', JSON.stringify(sent));
        }),
        RUNS,
      ),
    );
  });

  void it('deep nesting: 400 invalid_params before parsing, never forwarded', async () => {
    const cases = forbidden();
    await unreached(() =>
      fc.assert(
        fc.asyncProperty(
          fc.nat(cases.length - 1),
          fc.integer({ min: 17, max: 100_000 }),
          async (i, depth) => {
            const [method, path, , who] = cases[i]!;
            const body = `{"tracks":${'['.repeat(depth)}${']'.repeat(depth)}}`;
            expectError(await who().call(method, path, body), 400, 'invalid_params');
          },
        ),
        { numRuns: 10 },
      ),
    );
  });

  void it('huge and non-integer numbers: 400 decoding_error, never forwarded', async () => {
    const path = `sessions/${attacker.sessionId}/datachannels/close`;
    const numbers = fc.oneof(
      fc.constantFrom(
        '1e400',
        '-1e400',
        '1e20',
        '123456789012345678901234567890',
        '2.5',
        '-1',
        '65535.0000000001',
      ),
      fc.bigInt({ min: 65536n, max: 10n ** 40n }).map(String),
    );
    await unreached(() =>
      fc.assert(
        fc.asyncProperty(
          numbers,
          fc.constantFrom('id', 'maxRetransmits', 'maxPacketLifeTime'),
          async (n, field) => {
            const body = `{"dataChannels":[{"location":"remote","sessionId":"${victim.sessionId}","${field}":${n}}]}`;
            expectError(await attacker.call('PUT', path, body), 400, 'decoding_error', `${field}: ${n}`);
          },
        ),
        RUNS,
      ),
    );
  });

  void it('duplicate keys: the last one is what the rules see and what is forwarded', async () => {
    const path = `sessions/${attacker.sessionId}/datachannels/close`;
    const stolen = `[{"location":"remote","sessionId":"${victim.sessionId}","id":2}]`;
    const harmless = '[{"id":2}]';
    // The forbidden value last: refused.
    await unreached(async () => {
      expectError(
        await attacker.call('PUT', path, `{"dataChannels":${harmless},"dataChannels":${stolen}}`),
        403,
        'forbidden',
      );
      const nested = `{"dataChannels":[{"sessionId":"${attacker.sessionId}","sessionId":"${victim.sessionId}","id":2}]}`;
      expectError(await attacker.call('PUT', path, nested), 403, 'forbidden');
    });
    // The harmless value last: forwarded, and what reached the SFU is exactly that value.
    const from = relay.seen.length;
    const reply = await attacker.call('PUT', path, `{"dataChannels":${stolen},"dataChannels":${harmless}}`);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(
      relay.seen.slice(from).map((r) => r.body),
      ['{"dataChannels":[{"id":2}]}'],
    );
    await stillFlowing();
  });

  void it('prototype keys change nothing the rules see; what is forwarded never carries them', async () => {
    const north = victim.sessionId;
    const mine = `sessions/${attacker.sessionId}`;
    const theirs = `sessions/${viewer.sessionId}`;
    const protoKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty');
    await unreached(() =>
      fc.assert(
        fc.asyncProperty(protoKey, async (key) => {
          // Hidden pulls from another room: whether the rules ignore the key or the SFU does, no pull passes.
          const pull = `{"tracks":[{"location":"remote","trackName":"cam","sessionId":"${north}","${key}":{"sessionId":"${attacker.sessionId}"}}]}`;
          expectError(await attacker.call('POST', `${mine}/tracks/new`, pull), 403, 'forbidden', key);
          const wrapped = `{"${key}":{"tracks":[]},"tracks":[{"location":"remote","trackName":"cam","sessionId":"${north}"}]}`;
          expectError(await attacker.call('POST', `${mine}/tracks/new`, wrapped), 403, 'forbidden', key);
          // A viewer's local track hidden behind a prototype key still publishes.
          const publish = `{"tracks":[{"${key}":{"location":"remote"},"trackName":"cam","mid":"0"}]}`;
          expectError(await viewer.call('POST', `${theirs}/tracks/new`, publish), 403, 'forbidden', key);
        }),
        { numRuns: 10 },
      ),
    );
    // A prototype key on an allowed body is dropped, not forwarded.
    const from = relay.seen.length;
    const reply = await attacker.call(
      'PUT',
      `${mine}/datachannels/close`,
      `{"__proto__":{"dataChannels":[{"sessionId":"${north}"}]},"dataChannels":[{"id":3,"constructor":1}]}`,
    );
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(
      relay.seen.slice(from).map((r) => r.body),
      ['{"dataChannels":[{"id":3}]}'],
    );
    await stillFlowing();
  });

  void it('every forwarded body is the canonical JSON of a valid value, whatever was sent', async () => {
    const mine = `sessions/${attacker.sessionId}`;
    const from = relay.seen.length;
    const entry = fc.record(
      {
        id: fc.oneof(fc.integer({ min: -2, max: 70_000 }), fc.string({ maxLength: 3 })),
        dataChannelName: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
        location: fc.constantFrom('local', 'remote', 'sideways'),
        extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 3 }), async (dataChannels) => {
        const reply = await attacker.call(
          'PUT',
          `${mine}/datachannels/close`,
          JSON.stringify({ dataChannels }),
        );
        assert.ok([200, 400].includes(reply.status), reply.text);
      }),
      RUNS,
    );
    for (const r of relay.seen.slice(from)) {
      assert.equal(JSON.stringify(JSON.parse(r.body)), r.body);
      assert.ok(!r.body.includes('extra') && !r.body.includes('sideways'), r.body);
    }
    await stillFlowing();
  });
});

void describe('the SFU reads bodies exactly as the proxy does', () => {
  void it('Unicode spaces around a body are refused by the SFU itself (no trimming)', async () => {
    await fc.assert(
      fc.asyncProperty(padding, padding, async (pre, post) => {
        const res = await fetch(`${sfu.origin}/v1/apps/${APP_ID}/sessions/new`, {
          method: 'POST',
          headers: { authorization: `Bearer ${APP_SECRET}` },
          body: `${pre}{}${post}`,
        });
        const body = (await res.json()) as { errorCode?: string };
        if (isJsonSpace(pre + post)) assert.equal(res.status, 201, JSON.stringify(pre + post));
        else
          assert.deepEqual([res.status, body.errorCode], [400, 'decoding_error'], JSON.stringify(pre + post));
      }),
      RUNS,
    );
    await stillFlowing();
  });
});

void describe('routes, methods and queries', () => {
  void it('unknown routes and methods are 404 and never forwarded', async () => {
    const s = attacker.sessionId;
    await unreached(async () => {
      for (const [method, path] of [
        ['DELETE', `sessions/${s}`],
        ['POST', `sessions/${s}`],
        ['PATCH', `sessions/${s}/tracks/update`],
        ['GET', `sessions/${s}/tracks/new`],
        ['POST', `sessions/${s}/constructor`],
        ['POST', `sessions/${s}/__proto__`],
        ['POST', `sessions/${s}/tracks/new/extra`],
        ['POST', 'adapters/websocket/new'],
        ['GET', 'sessions/new'],
        ['POST', `sessions/${s}%2Ftracks/new`],
      ] as const) {
        expectError(
          await attacker.call(method, path, method === 'GET' ? undefined : '{}'),
          404,
          'not_found',
          `${method} ${path}`,
        );
      }
    });
  });

  void it('a GET with a body is refused; unknown or malformed query parameters are refused', async () => {
    await unreached(async () => {
      const raw = await rawRequest(
        backend.port,
        `GET /api/calls/sessions/${attacker.sessionId} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${attacker.tok}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`,
      );
      assert.match(raw, /^HTTP\/1\.1 400 /);
      assert.match(raw, /"errorCode":"decoding_error"/);
      for (const query of [
        '?thirdparty=maybe',
        '?foo=1',
        '?correlationId=a&correlationId=b',
        '?__proto__=x',
      ]) {
        expectError(await attacker.call('POST', `sessions/new${query}`), 400, 'invalid_params', query);
      }
      expectError(
        await attacker.call('GET', `sessions/${attacker.sessionId}?thirdparty=true`),
        400,
        'invalid_params',
      );
    });
    // The documented ones pass, re-encoded.
    const from = relay.seen.length;
    assert.equal(
      (await attacker.call('POST', 'sessions/new?thirdparty=false&correlationId=a%20b')).status,
      201,
    );
    assert.deepEqual(
      relay.seen.slice(from).map((r) => r.path),
      [`/v1/apps/${APP_ID}/sessions/new?thirdparty=false&correlationId=a+b`],
    );
  });
});

void describe('bounded work per request', () => {
  const offer = (sdp: string) => JSON.stringify({ sessionDescription: { type: 'offer', sdp } });

  void it('an m-section flood is refused at the proxy, before the SFU', async () => {
    await unreached(async () => {
      expectError(
        await attacker.call('POST', 'sessions/new', offer(floodOffer(540))),
        400,
        'invalid_session_description',
      );
      const path = `sessions/${attacker.sessionId}/tracks/new`;
      const body = JSON.stringify({
        sessionDescription: { type: 'offer', sdp: floodOffer(257) },
        autoDiscover: true,
      });
      expectError(await attacker.call('POST', path, body), 400, 'invalid_session_description');
    });
  });

  void it('more m-sections than one call may add are refused by the SFU, before its media engine', async () => {
    const from = relay.seen.length;
    expectError(
      await attacker.call('POST', 'sessions/new', offer(floodOffer(100))),
      400,
      'invalid_session_description',
    );
    assert.equal(relay.seen.length, from + 1, 'the proxy passed it (within its bound), the SFU refused it');
    // Straight to the SFU too.
    const direct = await fetch(`${sfu.origin}/v1/apps/${APP_ID}/sessions/new`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_SECRET}` },
      body: offer(floodOffer(540)),
    });
    assert.equal(direct.status, 400);
    assert.equal(((await direct.json()) as { errorCode: string }).errorCode, 'invalid_session_description');
    await stillFlowing();
  });

  void it('oversized SDP lines are refused at the proxy and at the SFU', async () => {
    const long = floodOffer(1).replace('a=rtcp-mux', `a=fmtp:98 x=${'1'.repeat(5000)}`);
    await unreached(async () => {
      expectError(
        await attacker.call('POST', 'sessions/new', offer(long)),
        400,
        'invalid_session_description',
      );
    });
    const direct = await fetch(`${sfu.origin}/v1/apps/${APP_ID}/sessions/new`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_SECRET}` },
      body: offer(long),
    });
    assert.equal(direct.status, 400);
    await direct.text();
  });

  void it('a trickling body is cut off with 408 request_timeout, at the proxy and at the SFU', async () => {
    await unreached(async () => {
      const viaProxy = await trickle(
        backend.port,
        `/api/calls/sessions/${attacker.sessionId}/tracks/new`,
        attacker.tok,
      );
      assert.match(viaProxy, /^HTTP\/1\.1 408 /);
      assert.match(viaProxy, /"errorCode":"request_timeout"/);
      const direct = await trickle(sfu.sfu.port, `/v1/apps/${APP_ID}/sessions/new`, APP_SECRET);
      assert.match(direct, /^HTTP\/1\.1 408 /);
      assert.match(direct, /"errorCode":"request_timeout"/);
    });
  });

  void it('an aborted upload is one log line, not a stack trace', async () => {
    const warned: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warned.push(args.map(String).join(' '));
    try {
      await unreached(async () => {
        const from = logs.length;
        await abortUpload(backend.port, `/api/calls/sessions/${attacker.sessionId}/tracks/new`, attacker.tok);
        await until(() => logs.length > from, 'the proxy logged the aborted upload');
        assert.deepEqual(logs.slice(from), [
          `POST /api/calls/sessions/${attacker.sessionId}/tracks/new: upload aborted by the client`,
        ]);
        await abortUpload(sfu.sfu.port, `/v1/apps/${APP_ID}/sessions/new`, APP_SECRET);
        await until(() => warned.length > 0, 'the SFU logged the aborted upload');
        assert.deepEqual(warned, [`sfu: POST /v1/apps/${APP_ID}/sessions/new: upload aborted by the client`]);
      });
    } finally {
      console.warn = warn;
    }
  });
});

/** Sends `head` on a fresh connection and returns everything the server answers until it closes. */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

/** Starts a 1,000-byte body, sends 10 bytes of it, then nothing: returns the server's answer. */
function trickle(port: number, path: string, bearer: string): Promise<string> {
  return rawRequest(
    port,
    `POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${bearer}\r\ncontent-length: 1000\r\n\r\n{"tracks":`,
  );
}

/**
 * Starts a body and drops the connection mid-upload, once the server has taken up the request (it answers
 * `Expect: 100-continue` when its handler is about to read the body).
 */
function abortUpload(port: number, path: string, bearer: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${bearer}\r\ncontent-length: 1000\r\nexpect: 100-continue\r\n\r\n`,
      );
    });
    socket.once('data', () => {
      socket.write('{"tracks":', () => setImmediate(() => socket.destroy()));
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}
