/** Calls proxy rules, shared by the Node backend and the Worker in Miniflare (both against a fake Calls API). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isCallsErrorBody } from '../../src/protocol/calls.ts';
import type { RoomRole } from '../../src/protocol/token.ts';
import type { Harness } from './harness.ts';
import { APP_SECRET, DEV_HOST_KEY, PresenceClient, token } from './helpers.ts';
import { freshRoom } from './presence-suite.ts';

export function proxySuite(name: string, start: () => Promise<Harness>): void {
  void describe(`Calls proxy (${name})`, () => {
    let h: Harness;
    const sockets: PresenceClient[] = [];
    before(async () => {
      h = await start();
    });
    after(async () => {
      for (const s of sockets) s.terminate();
      await h.close();
    });

    let userCounter = 0;
    /** A token holder with a Calls session; `joined` puts them in the room's presence (pulls need it). */
    const user = async (room: string, role: RoomRole = 'guest', { joined = true } = {}) => {
      const sub = `u${++userCounter}-${role}`;
      const tok = await token(room, sub, role);
      if (joined) {
        const socket = await PresenceClient.connect(`${h.wsBase}/api/rooms/${room}`);
        sockets.push(socket);
        await socket.join(tok);
      }
      const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
        fetch(`${h.base}/api/calls/${path}`, {
          method,
          headers: { authorization: `Bearer ${tok}`, ...headers },
          ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
        });
      const res = await call('POST', 'sessions/new');
      assert.equal(res.status, 201);
      const { sessionId } = (await res.json()) as { sessionId: string };
      return { sub, tok, call, sessionId };
    };
    const expectError = async (res: Response, status: number, code: string) => {
      const text = await res.text();
      assert.equal(res.status, status, text);
      const body = JSON.parse(text) as unknown;
      assert.ok(isCallsErrorBody(body), text);
      assert.equal(body.errorCode, code);
      assert.ok(!text.includes(APP_SECRET));
    };
    const upstreamCallsTo = (sessionId: string) => h.calls.filter((c) => c.path.includes(sessionId)).length;

    void test('needs a valid room token', async () => {
      await expectError(
        await fetch(`${h.base}/api/calls/sessions/new`, { method: 'POST' }),
        401,
        'unauthorized',
      );
      await expectError(
        await fetch(`${h.base}/api/calls/sessions/new`, {
          method: 'POST',
          headers: { authorization: 'Bearer nope' },
        }),
        401,
        'unauthorized',
      );
    });

    void test('sessions/new is forwarded with the app secret, which never comes back', async () => {
      const room = freshRoom('proxy');
      const a = await user(room);
      assert.match(a.sessionId, /^s\d+$/);
      const last = h.calls.find((c) => c.path.endsWith('/sessions/new') || c.path.includes('/sessions/new?'));
      assert.equal(last?.auth, `Bearer ${APP_SECRET}`);
      assert.match(last?.path ?? '', /^\/v1\/apps\/test-app\/sessions\/new/);
      const res = await a.call('POST', 'sessions/new?thirdparty=false&correlationId=abc');
      assert.equal(res.status, 201);
      assert.ok(h.calls.some((c) => c.path.endsWith('/sessions/new?thirdparty=false&correlationId=abc')));
    });

    void test("hijacks: another user's session cannot be read, closed, updated or renegotiated", async () => {
      const room = freshRoom('proxy');
      const victim = await user(room);
      const thief = await user(room);
      const s = victim.sessionId;
      const before = upstreamCallsTo(s);
      const attempts: [string, string, unknown][] = [
        ['GET', `sessions/${s}`, undefined],
        ['PUT', `sessions/${s}/tracks/close`, { tracks: [{ mid: '0' }], force: true }],
        [
          'PUT',
          `sessions/${s}/tracks/update`,
          { tracks: [{ location: 'remote', sessionId: thief.sessionId, trackName: 'x', mid: '0' }] },
        ],
        ['PUT', `sessions/${s}/renegotiate`, { sessionDescription: { type: 'answer', sdp: 'v=0' } }],
        [
          'POST',
          `sessions/${s}/tracks/new`,
          { tracks: [{ location: 'remote', sessionId: thief.sessionId, trackName: 'x' }] },
        ],
        [
          'POST',
          `sessions/${s}/datachannels/establish`,
          { dataChannel: { location: 'remote', dataChannelName: 'server-events' } },
        ],
        [
          'POST',
          `sessions/${s}/datachannels/new`,
          { dataChannels: [{ location: 'local', dataChannelName: 'chat' }] },
        ],
        [
          'PUT',
          `sessions/${s}/datachannels/update`,
          {
            dataChannels: [
              { location: 'remote', sessionId: thief.sessionId, dataChannelName: 'c', canReply: true },
            ],
          },
        ],
        ['PUT', `sessions/${s}/datachannels/close`, { dataChannels: [{ id: 2 }] }],
      ];
      for (const [method, path, body] of attempts) {
        await expectError(await thief.call(method, path, body), 403, 'forbidden');
      }
      assert.equal(upstreamCallsTo(s), before, 'nothing reached the Calls API');
      // The owner still can.
      const ok = await victim.call('PUT', `sessions/${s}/tracks/close`, {
        tracks: [{ mid: '0' }],
        force: true,
      });
      assert.equal(ok.status, 200);
    });

    void test("pulls only from sessions in the caller's room", async () => {
      const room = freshRoom('proxy');
      const a = await user(room);
      const b = await user(room);
      const outsider = await user(freshRoom('other'));
      const pull = (from: string) => ({
        tracks: [{ location: 'remote', sessionId: from, trackName: 'cam' }],
      });
      assert.equal(
        (await b.call('POST', `sessions/${b.sessionId}/tracks/new`, pull(a.sessionId))).status,
        200,
      );
      await expectError(
        await outsider.call('POST', `sessions/${outsider.sessionId}/tracks/new`, pull(a.sessionId)),
        403,
        'forbidden',
      );
      await expectError(
        await b.call('POST', `sessions/${b.sessionId}/tracks/new`, pull(outsider.sessionId)),
        403,
        'forbidden',
      );
      await expectError(
        await b.call('POST', `sessions/${b.sessionId}/tracks/new`, pull('0123456789abcdef0123456789abcdef')),
        403,
        'forbidden',
      );
      // One bad entry in a batch refuses the batch.
      const mixed = { tracks: [...pull(a.sessionId).tracks, ...pull(outsider.sessionId).tracks] };
      await expectError(await b.call('POST', `sessions/${b.sessionId}/tracks/new`, mixed), 403, 'forbidden');
      const update = {
        tracks: [{ location: 'remote', sessionId: outsider.sessionId, trackName: 'cam', mid: '1' }],
      };
      await expectError(
        await b.call('PUT', `sessions/${b.sessionId}/tracks/update`, update),
        403,
        'forbidden',
      );
      const dc = {
        dataChannels: [{ location: 'remote', sessionId: outsider.sessionId, dataChannelName: 'chat' }],
      };
      await expectError(
        await b.call('POST', `sessions/${b.sessionId}/datachannels/new`, dc),
        403,
        'forbidden',
      );
      const dcOk = {
        dataChannels: [{ location: 'remote', sessionId: a.sessionId, dataChannelName: 'chat' }],
      };
      assert.equal((await b.call('POST', `sessions/${b.sessionId}/datachannels/new`, dcOk)).status, 200);
      // A token for another room cannot touch its own session of this room either (sessions bind to the room):
      // in that room the session does not exist.
      const elsewhere = await token(freshRoom('other'), a.sub);
      const res = await fetch(`${h.base}/api/calls/sessions/${a.sessionId}`, {
        headers: { authorization: `Bearer ${elsewhere}` },
      });
      await expectError(res, 410, 'session_error');
    });

    void test('a token holder who never joined presence cannot pull; after joining they can', async () => {
      const room = freshRoom('proxy');
      const pub = await user(room);
      const lurker = await user(room, 'guest', { joined: false });
      const s = `sessions/${lurker.sessionId}`;
      const pull = { tracks: [{ location: 'remote', sessionId: pub.sessionId, trackName: 'cam' }] };
      const chat = {
        dataChannels: [{ location: 'remote', sessionId: pub.sessionId, dataChannelName: 'chat' }],
      };
      const before = upstreamCallsTo(lurker.sessionId);
      await expectError(await lurker.call('POST', `${s}/tracks/new`, pull), 403, 'forbidden');
      await expectError(await lurker.call('POST', `${s}/datachannels/new`, chat), 403, 'forbidden');
      assert.equal(upstreamCallsTo(lurker.sessionId), before, 'nothing reached the Calls API');
      // Their own session is theirs all the same (the widget creates it while joining).
      assert.equal((await lurker.call('GET', s)).status, 200);
      const socket = await PresenceClient.connect(`${h.wsBase}/api/rooms/${room}`);
      sockets.push(socket);
      await socket.join(lurker.tok);
      assert.equal((await lurker.call('POST', `${s}/tracks/new`, pull)).status, 200);
      // Nor can anyone pull from a session whose owner is not in presence.
      await expectError(
        await pub.call('POST', `sessions/${pub.sessionId}/tracks/new`, {
          tracks: [
            {
              location: 'remote',
              sessionId: (await user(room, 'guest', { joined: false })).sessionId,
              trackName: 'cam',
            },
          ],
        }),
        403,
        'forbidden',
      );
    });

    void test('an own session the room does not know is 410 session_error, so the widget replaces it', async () => {
      const room = freshRoom('proxy');
      const a = await user(room);
      const unknown = '0123456789abcdef0123456789abcdef';
      const before = upstreamCallsTo(unknown);
      await expectError(await a.call('GET', `sessions/${unknown}`), 410, 'session_error');
      await expectError(
        await a.call('PUT', `sessions/${unknown}/renegotiate`, {
          sessionDescription: { type: 'answer', sdp: 'v=0' },
        }),
        410,
        'session_error',
      );
      // In a room nobody has used yet, too.
      const fresh = await token(freshRoom('empty'), 'newcomer');
      await expectError(
        await fetch(`${h.base}/api/calls/sessions/${unknown}`, {
          headers: { authorization: `Bearer ${fresh}` },
        }),
        410,
        'session_error',
      );
      assert.equal(upstreamCallsTo(unknown), before, 'nothing reached the Calls API');
    });

    void test('viewers pull but never publish', async () => {
      const room = freshRoom('proxy');
      const pub = await user(room);
      const v = await user(room, 'viewer');
      const s = `sessions/${v.sessionId}`;
      const offer = { type: 'offer', sdp: 'v=0' };
      await expectError(
        await v.call('POST', `${s}/tracks/new`, {
          sessionDescription: offer,
          tracks: [{ location: 'local', mid: '0', trackName: 'cam' }],
        }),
        403,
        'forbidden',
      );
      await expectError(
        await v.call('POST', `${s}/tracks/new`, { sessionDescription: offer, autoDiscover: true }),
        403,
        'forbidden',
      );
      await expectError(
        await v.call('POST', `${s}/tracks/new`, { tracks: [{ trackName: 'cam', kind: 'video' }] }),
        403,
        'forbidden',
      );
      await expectError(
        await v.call('POST', `${s}/datachannels/new`, {
          dataChannels: [{ location: 'local', dataChannelName: 'chat' }],
        }),
        403,
        'forbidden',
      );
      const pull = { tracks: [{ location: 'remote', sessionId: pub.sessionId, trackName: 'cam' }] };
      assert.equal((await v.call('POST', `${s}/tracks/new`, pull)).status, 200);
      assert.equal(
        (
          await v.call('POST', `${s}/datachannels/establish`, {
            dataChannel: { location: 'remote', dataChannelName: 'server-events' },
          })
        ).status,
        200,
      );
    });

    void test('upstream answers pass through unchanged; unknown paths are not_found', async () => {
      const room = freshRoom('proxy');
      const a = await user(room);
      const res = await a.call('POST', `sessions/${a.sessionId}/tracks/new`, '{not json');
      await expectError(res, 400, 'decoding_error');
      const ok = await a.call('PUT', `sessions/${a.sessionId}/renegotiate`, {
        sessionDescription: { type: 'answer', sdp: 'v=0\r\n' },
      });
      assert.deepEqual(await ok.json(), { echo: { sessionDescription: { type: 'answer', sdp: 'v=0\r\n' } } });
      await expectError(await a.call('POST', 'adapters/websocket/new', { tracks: [] }), 404, 'not_found');
      await expectError(await a.call('DELETE', `sessions/${a.sessionId}`), 404, 'not_found');
      await expectError(
        await a.call('POST', `sessions/${a.sessionId}/tracks/new`, {
          tracks: [{ location: 'remote', sessionId: 7 }],
        }),
        400,
        'decoding_error',
      );
    });

    void test('body size limit: 413 payload_too_large', async () => {
      const room = freshRoom('proxy');
      const a = await user(room);
      const big = { sessionDescription: { type: 'offer', sdp: 'a'.repeat(70_000) }, tracks: [] };
      await expectError(
        await a.call('POST', `sessions/${a.sessionId}/tracks/new`, big),
        413,
        'payload_too_large',
      );
    });

    void test('per-user rate limit: 429 rate_limited, other users unaffected', async () => {
      const room = freshRoom('proxy');
      const a = await user(room);
      const b = await user(room);
      const results = await Promise.all(
        Array.from({ length: 80 }, () => a.call('GET', `sessions/${a.sessionId}`)),
      );
      const limited = results.filter((r) => r.status === 429);
      assert.ok(limited.length > 0, 'some requests were limited');
      await expectError(limited[0]!, 429, 'rate_limited');
      await Promise.all(results.filter((r) => !r.bodyUsed).map((r) => r.arrayBuffer()));
      assert.equal((await b.call('GET', `sessions/${b.sessionId}`)).status, 200);
    });

    void test('dev tokens: POST /api/token; host only with the dev host key', async () => {
      const res = await fetch(`${h.base}/api/token`, {
        method: 'POST',
        body: JSON.stringify({ room: 'lobby', name: 'Ann' }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { token: string; expiresAt: number };
      assert.equal(body.token.split('.').length, 3);
      assert.ok(body.expiresAt > Date.now() - 60_000);
      const asHost = (headers: Record<string, string> = {}) =>
        fetch(`${h.base}/api/token`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ room: 'lobby', name: 'Hana', role: 'host' }),
        });
      await expectError(await asHost(), 403, 'forbidden');
      await expectError(await asHost({ authorization: `Bearer ${DEV_HOST_KEY}x` }), 403, 'forbidden');
      const host = await asHost({ authorization: `Bearer ${DEV_HOST_KEY}` });
      assert.equal(host.status, 200);
      const claims = JSON.parse(
        atob(
          ((await host.json()) as { token: string }).token
            .split('.')[1]!
            .replace(/-/g, '+')
            .replace(/_/g, '/'),
        ),
      ) as { role: string };
      assert.equal(claims.role, 'host');
      const viewer = await fetch(`${h.base}/api/token`, {
        method: 'POST',
        body: JSON.stringify({ room: 'lobby', name: 'Vic', role: 'viewer' }),
      });
      assert.equal(viewer.status, 200);
      const bad = await fetch(`${h.base}/api/token`, {
        method: 'POST',
        body: JSON.stringify({ room: 'no spaces', name: 'Ann' }),
      });
      await expectError(bad, 400, 'invalid_params');
    });
  });
}
