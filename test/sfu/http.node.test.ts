/**
 * The embedded SFU's HTTP surface and the error paths of calls-api.md §3 that need no media: status, error
 * code and body of each, every response checked against calls-openapi.yaml (test/sfu/openapi.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallsErrorFields } from '../../src/protocol/calls.ts';
import { APP_ID, APP_SECRET, OP, TestSfu, list, readReply, type Operation } from './node-harness.ts';

const OTHER_APP = 'other-app';
const OTHER_SECRET = 'other-app-secret-0123456789';

let sfu: TestSfu;
before(async () => {
  sfu = await TestSfu.start({ pullWaitMs: 50, connectWaitMs: 500 }, { apps: { [OTHER_APP]: OTHER_SECRET } });
});
after(() => sfu.close());

/** Every session endpoint with a body that passes its schema, for the "same rule everywhere" checks. */
const SESSION_CALLS: [Operation<CallsErrorFields>, unknown][] = [
  [OP.getSession, undefined],
  [OP.tracksNew, { tracks: [{ location: 'remote', sessionId: 'x', trackName: 'y' }] }],
  [OP.renegotiate, { sessionDescription: { type: 'answer', sdp: 'v=0' } }],
  [OP.tracksClose, { tracks: [{ mid: '0' }], force: true }],
  [OP.tracksUpdate, { tracks: [{ location: 'remote', mid: '0', sessionId: 'x', trackName: 'y' }] }],
  [OP.dcEstablish, { dataChannel: { location: 'remote', dataChannelName: 'server-events' } }],
  [OP.dcNew, { dataChannels: [{ location: 'local', dataChannelName: 'chat' }] }],
  [OP.dcUpdate, { dataChannels: [{ location: 'remote', sessionId: 'x', dataChannelName: 'chat' }] }],
  [OP.dcClose, { dataChannels: [{ id: 2 }] }],
];

void describe('HTTP surface', () => {
  void it('serves sessions/new under /v1/apps/{appId} and /apps/{appId}, 201 with a 32-hex sessionId', async () => {
    for (const prefix of ['/v1', ''] as const) {
      const r = await sfu.call(OP.newSession, { prefix });
      assert.equal(r.status, 201);
      assert.match(r.body.sessionId, /^[0-9a-f]{32}$/);
      assert.equal(r.body.sessionDescription, undefined);
      const got = await sfu.call(OP.getSession, { prefix, sessionId: r.body.sessionId });
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, { tracks: [], dataChannels: [] });
    }
  });

  void it('answers 201 to sessions/new with no body, an empty body, whitespace and {}', async () => {
    for (const body of [undefined, '', '  \n', '{}']) {
      const r = await sfu.call(OP.newSession, { body });
      assert.equal(r.status, 201, `body ${JSON.stringify(body)}`);
      assert.match(r.body.sessionId, /^[0-9a-f]{32}$/);
    }
  });

  void it('ignores unknown query parameters', async () => {
    for (const query of ['?', '?thirdparty=true&correlationId=x&foo', '?CreatingSession&streamDebug']) {
      const r = await sfu.call(OP.newSession, { query });
      assert.equal(r.status, 201, query);
      const got = await sfu.call(OP.getSession, { query, sessionId: r.body.sessionId });
      assert.equal(got.status, 200, query);
    }
  });

  void it('rejects a missing or wrong bearer with 401 unauthorized, and an unknown app with 404 not_found', async () => {
    const id = await sfu.newSession();
    for (const authorization of [null, 'Bearer wrong', `Basic ${APP_SECRET}`, 'Bearer', APP_SECRET]) {
      const r = await sfu.call(OP.newSession, { authorization });
      assert.equal(r.status, 401, String(authorization));
      assert.equal(r.body.errorCode, 'unauthorized');
      const g = await sfu.call(OP.getSession, { authorization, sessionId: id });
      assert.equal(g.status, 401);
      assert.equal(g.body.errorCode, 'unauthorized');
    }
    // The other app's secret is not this app's.
    const cross = await sfu.call(OP.newSession, { authorization: `Bearer ${OTHER_SECRET}` });
    assert.equal(cross.status, 401);
    const unknown = await sfu.call(OP.newSession, { appId: 'no-such-app' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.errorCode, 'not_found');
    const unknownSession = await sfu.call(OP.getSession, { appId: 'no-such-app', sessionId: id });
    assert.equal(unknownSession.status, 404);
    assert.equal(unknownSession.body.errorCode, 'not_found');
  });

  void it('reads JSON bodies whatever the content type (text/plain, none, octet-stream)', async () => {
    const id = await sfu.newSession();
    const body = JSON.stringify({ tracks: [{ mid: '9' }], force: true });
    for (const type of [
      'text/plain;charset=UTF-8',
      undefined,
      'application/octet-stream',
      'application/json',
    ]) {
      const r = await sfu.call(OP.tracksClose, {
        sessionId: id,
        body,
        headers: type ? { 'content-type': type } : {},
      });
      assert.equal(r.status, 200, String(type));
      assert.equal(list(r.body.tracks)[0]?.errorCode, 'close_track_error', String(type));
    }
    // A body sent as a Blob without a type: fetch sends no content-type header at all.
    const res = await fetch(sfu.url(OP.newSession.path), {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_SECRET}` },
      body: new Blob(['{}']),
    });
    assert.equal((await readReply(res, OP.newSession.method, OP.newSession.path)).status, 201);
  });

  void it('answers a CORS preflight, echoing the Origin, with Vary: Origin', async () => {
    const origin = 'https://page.example';
    const res = await fetch(sfu.url(OP.tracksNew.path, { sessionId: 'abc' }), {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    await res.body?.cancel();
    assert.ok(res.status === 204 || res.status === 200, `preflight status ${res.status}`);
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    const allowHeaders = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    assert.match(allowHeaders, /authorization/);
    assert.match(allowHeaders, /content-type/);
    const allowMethods = res.headers.get('access-control-allow-methods') ?? '';
    for (const m of ['GET', 'POST', 'PUT']) assert.match(allowMethods, new RegExp(m));
    assert.match(res.headers.get('vary') ?? '', /\bOrigin\b/i);

    // Actual requests (and their errors) carry the CORS headers too.
    const ok = await sfu.call(OP.newSession, { headers: { origin } });
    assert.equal(ok.headers.get('access-control-allow-origin'), origin);
    assert.match(ok.headers.get('vary') ?? '', /\bOrigin\b/i);
    const denied = await sfu.call(OP.newSession, { headers: { origin }, authorization: null });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('access-control-allow-origin'), origin);
  });

  void it('answers unknown routes and methods with a JSON 404', async () => {
    const id = await sfu.newSession();
    const cases: [string, string][] = [
      ['GET', '/'],
      ['GET', '/v1'],
      ['POST', `/v1/apps/${APP_ID}/sessions/${id}/tracks/bogus`],
      ['DELETE', `/v1/apps/${APP_ID}/sessions/${id}`],
      ['POST', `/v2/apps/${APP_ID}/sessions/new`],
    ];
    for (const [method, path] of cases) {
      const res = await fetch(`${sfu.origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${APP_SECRET}` },
      });
      const r = await readReply(res, method, path);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.body.errorCode, 'not_found');
    }
  });
});

void describe('request errors (calls-api.md §3)', () => {
  void it('400 decoding_error for malformed JSON and wrong types', async () => {
    const id = await sfu.newSession();
    const cases: [typeof OP.tracksNew | typeof OP.renegotiate | typeof OP.newSession, unknown][] = [
      [OP.tracksNew, '{"tracks": ['],
      [OP.tracksNew, 'not json'],
      [OP.tracksNew, { tracks: 'x' }],
      [OP.tracksNew, { sessionDescription: { type: 5 } }],
      [OP.tracksNew, { sessionDescription: { type: 'offer', sdp: 7 } }],
      [OP.tracksNew, { tracks: [{ location: 'sideways', trackName: 'a' }] }],
      [OP.tracksNew, { autoDiscover: 'yes' }],
      [OP.tracksNew, []],
      [OP.tracksNew, 'null'],
      [OP.renegotiate, {}],
      [OP.renegotiate, { sessionDescription: { type: 'pranswer', sdp: 'v=0' } }],
      [OP.newSession, { sessionDescription: 'offer' }],
      [OP.newSession, '{'],
    ];
    for (const [op, body] of cases) {
      const r = await sfu.call(op, { sessionId: id, body });
      assert.equal(r.status, 400, `${op.path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.errorCode, 'decoding_error', JSON.stringify(body));
      assert.ok((r.body.errorDescription ?? '').length > 10);
    }
    const closes: unknown[] = [
      { tracks: 'x', force: true },
      { tracks: [{ mid: 0 }], force: true },
      { tracks: [{ mid: '' }], force: true }, // CloseTrackObject.mid has minLength 1
      { tracks: [{}], force: true },
      { tracks: [{ mid: '0' }], force: 'yes' },
    ];
    for (const body of closes) {
      const r = await sfu.call(OP.tracksClose, { sessionId: id, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.errorCode, 'decoding_error', JSON.stringify(body));
    }
    const dc = await sfu.call(OP.dcNew, { sessionId: id, body: { dataChannels: [{ id: 'two' }] } });
    assert.equal(dc.status, 400);
    assert.equal(dc.body.errorCode, 'decoding_error');
    // The session is unharmed by all of it.
    assert.equal((await sfu.call(OP.getSession, { sessionId: id })).status, 200);
  });

  void it('400 invalid_params for mixed local/remote tracks, more than 64 tracks, and no tracks', async () => {
    const id = await sfu.newSession();
    const mixed = await sfu.call(OP.tracksNew, {
      sessionId: id,
      body: {
        tracks: [
          { location: 'local', trackName: 'a', kind: 'audio' },
          { location: 'remote', sessionId: id, trackName: 'b' },
        ],
      },
    });
    assert.equal(mixed.status, 400);
    assert.equal(mixed.body.errorCode, 'invalid_params');

    const many = Array.from({ length: 65 }, (_, i) => ({
      location: 'remote',
      sessionId: id,
      trackName: `t${i}`,
    }));
    const tooMany = await sfu.call(OP.tracksNew, { sessionId: id, body: { tracks: many } });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.errorCode, 'invalid_params');
    assert.match(tooMany.body.errorDescription ?? '', /64/);

    const closeMany = await sfu.call(OP.tracksClose, {
      sessionId: id,
      body: { tracks: many.map((_, i) => ({ mid: String(i) })), force: true },
    });
    assert.equal(closeMany.status, 400);
    assert.equal(closeMany.body.errorCode, 'invalid_params');

    const none = await sfu.call(OP.tracksNew, { sessionId: id, body: { tracks: [] } });
    assert.equal(none.status, 400);
    assert.equal(none.body.errorCode, 'invalid_params');
  });

  void it('400 invalid_params for a negotiated close without an offer', async () => {
    const id = await sfu.newSession();
    for (const body of [
      { tracks: [{ mid: '0' }], force: false },
      { tracks: [{ mid: '0' }] },
      { tracks: [{ mid: '0' }], force: false, sessionDescription: { type: 'answer', sdp: 'v=0\r\n' } },
    ]) {
      const r = await sfu.call(OP.tracksClose, { sessionId: id, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.errorCode, 'invalid_params');
    }
  });

  void it('400 invalid_session_description for broken SDP, an answer sent to tracks/new, and an unexpected answer', async () => {
    const id = await sfu.newSession();
    const broken = await sfu.call(OP.tracksNew, {
      sessionId: id,
      body: {
        sessionDescription: { type: 'offer', sdp: 'this is not SDP' },
        tracks: [{ location: 'local', mid: '0', trackName: 'a' }],
      },
    });
    assert.equal(broken.status, 400, JSON.stringify(broken.body));
    assert.equal(broken.body.errorCode, 'invalid_session_description');

    const answer = await sfu.call(OP.tracksNew, {
      sessionId: id,
      body: {
        sessionDescription: { type: 'answer', sdp: 'v=0\r\n' },
        tracks: [{ location: 'local', mid: '0', trackName: 'a' }],
      },
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.errorCode, 'invalid_session_description');

    // No SFU offer is pending on a fresh session: an answer has nothing to answer.
    const stray = await sfu.call(OP.renegotiate, {
      sessionId: id,
      body: { sessionDescription: { type: 'answer', sdp: 'v=0\r\n' } },
    });
    assert.equal(stray.status, 400);
    assert.equal(stray.body.errorCode, 'invalid_session_description');

    const legacyAnswer = await sfu.call(OP.newSession, {
      body: { sessionDescription: { type: 'answer', sdp: 'v=0\r\n' } },
    });
    assert.equal(legacyAnswer.status, 400);
    assert.equal(legacyAnswer.body.errorCode, 'invalid_session_description');
    const legacyBroken = await sfu.call(OP.newSession, {
      body: { sessionDescription: { type: 'offer', sdp: 'garbage' } },
    });
    assert.equal(legacyBroken.status, 400);
    assert.equal(legacyBroken.body.errorCode, 'invalid_session_description');
  });

  void it('410 session_error on every session endpoint for an unknown session and for one of another app', async () => {
    const other = await sfu.call(OP.newSession, {
      appId: OTHER_APP,
      authorization: `Bearer ${OTHER_SECRET}`,
    });
    assert.equal(other.status, 201);
    const otherId = other.body.sessionId;
    for (const sessionId of ['0123456789abcdef0123456789abcdef', 'nope', otherId]) {
      for (const [op, body] of SESSION_CALLS) {
        const r = await sfu.call(op, { sessionId, body });
        assert.equal(r.status, 410, `${op.path} ${sessionId}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.errorCode, 'session_error');
      }
    }
    // ... while the other app still sees its own session.
    const own = await sfu.call(OP.getSession, {
      appId: OTHER_APP,
      authorization: `Bearer ${OTHER_SECRET}`,
      sessionId: otherId,
    });
    assert.equal(own.status, 200);
  });

  void it('413 payload_too_large for a body over the limit, with or without a content-length', async () => {
    const small = await TestSfu.start({ maxBodyBytes: 2048 });
    try {
      const id = await small.newSession();
      const big = JSON.stringify({ tracks: [{ mid: '0' }], force: true, padding: 'x'.repeat(4096) });
      const r = await small.call(OP.tracksClose, { sessionId: id, body: big });
      assert.equal(r.status, 413);
      assert.equal(r.body.errorCode, 'payload_too_large');
      const offer = await small.call(OP.tracksNew, {
        sessionId: id,
        body: { sessionDescription: { type: 'offer', sdp: `v=0\r\n${'a=x\r\n'.repeat(1000)}` } },
      });
      assert.equal(offer.status, 413);
      assert.equal(offer.body.errorCode, 'payload_too_large');

      // Chunked: no content-length to go by, so the size is counted as the body arrives.
      const bytes = new TextEncoder().encode(big);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 512) controller.enqueue(bytes.slice(i, i + 512));
          controller.close();
        },
      });
      const res = await fetch(small.url(OP.tracksClose.path, { sessionId: id }), {
        method: 'PUT',
        headers: { authorization: `Bearer ${APP_SECRET}` },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      const chunked = await readReply(res, OP.tracksClose.method, OP.tracksClose.path);
      assert.equal(chunked.status, 413);
      assert.equal(chunked.body.errorCode, 'payload_too_large');

      // A chunked body far over the limit is cut off as it passes it, not read to the end first.
      let sent = 0;
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          sent += 16 * 1024;
          controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
          if (sent >= 32 * 1024 * 1024) controller.close();
        },
      });
      const cut = await fetch(small.url(OP.tracksClose.path, { sessionId: id }), {
        method: 'PUT',
        headers: { authorization: `Bearer ${APP_SECRET}` },
        body: endless,
        duplex: 'half',
      } as RequestInit);
      const cutReply = await readReply(cut, OP.tracksClose.method, OP.tracksClose.path);
      assert.equal(cutReply.status, 413);
      assert.ok(sent < 4 * 1024 * 1024, `the SFU read ${sent} bytes of a body limited to 2048`);

      // Under the limit is fine.
      const ok = await small.call(OP.tracksClose, {
        sessionId: id,
        body: { tracks: [{ mid: '0' }], force: true },
      });
      assert.equal(ok.status, 200);
    } finally {
      await small.close();
    }
  });

  void it('429 when one session exceeds its requests per second; other sessions are unaffected', async () => {
    const limited = await TestSfu.start({ requestsPerSecond: 5 });
    try {
      const a = await limited.newSession();
      const b = await limited.newSession();
      // Sent together so that they all fall in one second even on a loaded machine.
      const replies = await Promise.all([
        ...Array.from({ length: 7 }, () => limited.call(OP.getSession, { sessionId: a })),
        limited.call(OP.tracksClose, { sessionId: a, body: { tracks: [{ mid: '0' }], force: true } }),
      ]);
      const statuses = replies.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 200).length, 5, `statuses ${statuses.join(',')}`);
      assert.equal(statuses.filter((s) => s === 429).length, 3, `statuses ${statuses.join(',')}`);
      for (const r of replies.filter((x) => x.status === 429)) {
        assert.equal(typeof r.body.errorCode, 'string');
        assert.match(r.body.errorDescription ?? '', /per second/);
      }
      assert.equal((await limited.call(OP.getSession, { sessionId: b })).status, 200);
    } finally {
      await limited.close();
    }
  });
});

void describe('per-item errors', () => {
  void it('pulls of unknown publications: 200 with not_found_track_error items, mid "", no SDP', async () => {
    const id = await sfu.newSession();
    const publisher = await sfu.newSession();
    const r = await sfu.call(OP.tracksNew, {
      sessionId: id,
      body: {
        tracks: [
          { location: 'remote', sessionId: publisher, trackName: 'never-published' },
          { location: 'remote', sessionId: '0123456789abcdef0123456789abcdef', trackName: 'cam' },
        ],
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.requiresImmediateRenegotiation, false);
    assert.equal(r.body.sessionDescription, undefined);
    assert.equal(list(r.body.tracks).length, 2);
    assert.deepEqual(
      list(r.body.tracks).map((t) => [t.mid, t.errorCode, t.sessionId, t.trackName]),
      [
        ['', 'not_found_track_error', publisher, 'never-published'],
        ['', 'not_found_track_error', '0123456789abcdef0123456789abcdef', 'cam'],
      ],
    );
    // Nothing was allocated, so nothing is pending: the next mutation is not refused with 406.
    const again = await sfu.call(OP.tracksNew, {
      sessionId: id,
      body: { tracks: [{ location: 'remote', sessionId: publisher, trackName: 'x' }] },
    });
    assert.equal(again.status, 200);
  });

  void it('a pull item without sessionId or trackName fails alone, with mid ""', async () => {
    const id = await sfu.newSession();
    const r = await sfu.call(OP.tracksNew, {
      sessionId: id,
      body: {
        tracks: [
          { location: 'remote', trackName: 'x' },
          { location: 'remote', sessionId: id },
        ],
      },
    });
    assert.equal(r.status, 200);
    for (const t of r.body.tracks as Record<string, unknown>[]) {
      assert.equal(t.mid, '');
      assert.equal(typeof t.errorCode, 'string');
    }
  });

  void it('forced close of unknown mids: 200 with close_track_error per item', async () => {
    const id = await sfu.newSession();
    const r = await sfu.call(OP.tracksClose, {
      sessionId: id,
      body: { tracks: [{ mid: '0' }, { mid: '7' }, { mid: '#cam' }], force: true },
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.requiresImmediateRenegotiation, false);
    assert.equal(r.body.sessionDescription, undefined);
    assert.deepEqual(
      list(r.body.tracks).map((t) => [t.mid, t.errorCode]),
      [
        ['0', 'close_track_error'],
        ['7', 'close_track_error'],
        ['#cam', 'close_track_error'],
      ],
    );
  });

  void it('tracks/update of unknown mids: 200 with update_track_error items keyed by mid', async () => {
    const id = await sfu.newSession();
    const r = await sfu.call(OP.tracksUpdate, {
      sessionId: id,
      body: {
        tracks: [
          { location: 'remote', mid: '3', sessionId: id, trackName: 'cam', simulcast: { preferredRid: 'h' } },
          { location: 'remote', mid: '4', sessionId: id, trackName: 'mic' },
        ],
      },
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.requiresImmediateRenegotiation, false);
    assert.deepEqual(
      list(r.body.tracks).map((t) => [t.mid, t.errorCode]),
      [
        ['3', 'update_track_error'],
        ['4', 'update_track_error'],
      ],
    );
    const local = await sfu.call(OP.tracksUpdate, {
      sessionId: id,
      body: {
        tracks: [
          { location: 'local', mid: '0', trackName: 'cam' },
          { location: 'remote', trackName: 'x' },
        ],
      },
    });
    assert.equal(local.status, 200);
    for (const t of local.body.tracks as Record<string, unknown>[])
      assert.equal(t.errorCode, 'invalid_params');
  });

  void it('data channels before establish: datachannels/new and /update refuse clearly; unknown ids close with close_track_error', async () => {
    const id = await sfu.newSession();
    const created = await sfu.call(OP.dcNew, {
      sessionId: id,
      body: { dataChannels: [{ location: 'local', dataChannelName: 'chat' }] },
    });
    assert.equal(created.status, 400);
    assert.equal(created.body.errorCode, 'invalid_params');
    assert.match(created.body.errorDescription ?? '', /establish/);
    const updated = await sfu.call(OP.dcUpdate, {
      sessionId: id,
      body: {
        dataChannels: [{ location: 'remote', sessionId: id, dataChannelName: 'chat', canReply: true }],
      },
    });
    assert.equal(updated.status, 400);
    assert.match(updated.body.errorDescription ?? '', /establish/);

    const closed = await sfu.call(OP.dcClose, {
      sessionId: id,
      body: { dataChannels: [{ id: 2 }, { id: 9 }] },
    });
    assert.equal(closed.status, 200);
    assert.deepEqual(
      list(closed.body.dataChannels).map((d) => [d.id, d.errorCode]),
      [
        [2, 'close_track_error'],
        [9, 'close_track_error'],
      ],
    );
  });

  void it('datachannels/establish takes only the reserved server-events channel', async () => {
    const id = await sfu.newSession();
    const r = await sfu.call(OP.dcEstablish, {
      sessionId: id,
      body: { dataChannel: { location: 'remote', dataChannelName: 'chat' } },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.errorCode, 'invalid_params');
  });
});
