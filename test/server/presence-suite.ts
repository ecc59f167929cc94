/** Presence tests shared by the Node backend and the Worker (Durable Object) in Miniflare. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PublishedTrack } from '../../src/protocol/presence.ts';
import type { RoomRole } from '../../src/protocol/token.ts';
import type { Harness } from './harness.ts';
import { PresenceClient, token } from './helpers.ts';

let roomCounter = 0;
export const freshRoom = (prefix = 'room') => `${prefix}-${process.pid}-${++roomCounter}`;

export function presenceSuite(name: string, start: () => Promise<Harness>): void {
  void describe(`presence (${name})`, () => {
    let h: Harness;
    const clients: PresenceClient[] = [];
    before(async () => {
      h = await start();
    });
    after(async () => {
      for (const c of clients) c.terminate();
      await h.close();
    });

    const connect = async (room: string) => {
      const c = await PresenceClient.connect(`${h.wsBase}/api/rooms/${room}`);
      clients.push(c);
      return c;
    };
    const joined = async (room: string, sub: string, role: RoomRole = 'guest') => {
      const c = await connect(room);
      const welcome = await c.join(await token(room, sub, role));
      return { c, welcome, id: welcome.participantId, tok: await token(room, sub, role) };
    };
    /** Creates a Calls session through the proxy, which binds it to the user in the room. */
    const session = async (tok: string): Promise<string> => {
      const res = await fetch(`${h.base}/api/calls/sessions/new`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tok}` },
      });
      assert.equal(res.status, 201);
      return ((await res.json()) as { sessionId: string }).sessionId;
    };
    const camera = (sessionId: string, trackName = 'cam'): PublishedTrack => ({
      sessionId,
      trackName,
      kind: 'video',
      source: 'camera',
      simulcast: [{ rid: 'f', width: 1280, height: 720 }, { rid: 'h' }, { rid: 'q' }],
    });

    void test('join: welcome with own id and everyone; others hear of the newcomer', async () => {
      const room = freshRoom();
      const a = await joined(room, 'alice');
      assert.equal(a.welcome.room, room);
      assert.ok(a.welcome.resumeToken);
      assert.deepEqual(
        a.welcome.participants.map((p) => p.id),
        [a.id],
      );
      assert.equal(a.welcome.staleAfterMs, 15_000);
      const from = a.c.messages.length;
      const b = await joined(room, 'bob');
      assert.deepEqual(new Set(b.welcome.participants.map((p) => p.name)), new Set(['alice', 'bob']));
      const seen = await a.c.next('participant-joined', (m) => m.participant.id === b.id, from);
      assert.equal(seen.participant.name, 'bob');
      assert.deepEqual(seen.participant.tracks, []);
    });

    void test('publish and unpublish reach the others; late joiners get the tracks in the welcome', async () => {
      const room = freshRoom();
      const a = await joined(room, 'alice');
      const b = await joined(room, 'bob');
      const sid = await session(a.tok);
      const mic: PublishedTrack = { sessionId: sid, trackName: 'mic', kind: 'audio', source: 'microphone' };
      a.c.send({ type: 'publish', tracks: [camera(sid), mic] });
      const pub = await b.c.next('tracks-published', (m) => m.participantId === a.id);
      assert.deepEqual(pub.tracks, [camera(sid), mic]);

      const c = await joined(room, 'carol');
      const alice = c.welcome.participants.find((p) => p.id === a.id);
      assert.deepEqual(alice?.tracks, [camera(sid), mic]);

      const from = b.c.messages.length;
      a.c.send({ type: 'unpublish', trackNames: ['mic'] });
      const unpub = await b.c.next('tracks-unpublished', () => true, from);
      assert.deepEqual(unpub, { type: 'tracks-unpublished', participantId: a.id, trackNames: ['mic'] });
      await c.c.next('tracks-unpublished', () => true);
    });

    void test('publishing a session that is not yours, or as a viewer, is refused', async () => {
      const room = freshRoom();
      const a = await joined(room, 'alice');
      const m = await joined(room, 'mallory');
      const v = await joined(room, 'victor', 'viewer');
      const sid = await session(a.tok);
      m.c.send({ type: 'publish', tracks: [camera(sid)] });
      const err = await m.c.next('error', (e) => e.ref === 'publish');
      assert.equal(err.code, 'forbidden');
      const vsid = await session(v.tok);
      v.c.send({ type: 'publish', tracks: [camera(vsid)] });
      assert.equal((await v.c.next('error', (e) => e.ref === 'publish')).code, 'forbidden');
      // Nobody heard of either.
      a.c.send({ type: 'heartbeat' });
      await a.c.next('heartbeat-ack');
      assert.equal(a.c.messages.filter((x) => x.type === 'tracks-published').length, 0);
    });

    void test('session: a participant without tracks announces its Calls session and chat channel', async () => {
      const room = freshRoom();
      const a = await joined(room, 'alice');
      const b = await joined(room, 'bob');
      const v = await joined(room, 'victor', 'viewer');
      const sid = await session(a.tok);
      b.c.send({ type: 'session', session: { sessionId: sid, chat: true } });
      assert.equal((await b.c.next('error', (e) => e.ref === 'session')).code, 'forbidden');
      const vsid = await session(v.tok);
      v.c.send({ type: 'session', session: { sessionId: vsid, chat: true } });
      assert.equal((await v.c.next('error', (e) => e.ref === 'session')).code, 'forbidden');

      a.c.send({ type: 'session', session: { sessionId: sid, chat: true } });
      const seen = await b.c.next('participant-session', (m) => m.participantId === a.id);
      assert.deepEqual(seen.session, { sessionId: sid, chat: true });
      await v.c.next('participant-session', (m) => m.participantId === a.id);
      const c = await joined(room, 'carol');
      const alice = c.welcome.participants.find((p) => p.id === a.id);
      assert.deepEqual(alice?.session, { sessionId: sid, chat: true });
      assert.deepEqual(alice?.tracks, []);
      assert.equal(c.welcome.participants.find((p) => p.id === v.id)?.session, undefined);
    });

    void test('participant state is broadcast', async () => {
      const room = freshRoom();
      const a = await joined(room, 'alice');
      const b = await joined(room, 'bob');
      a.c.send({ type: 'state', state: { muted: true, handRaised: true } });
      const st = await b.c.next('participant-state', (m) => m.participantId === a.id);
      assert.deepEqual(st.state, { muted: true, cameraOff: false, speaking: false, handRaised: true });
      assert.equal(st.connected, true);
    });

    void test('leave removes the participant and closes the socket', async () => {
      const room = freshRoom();
      const a = await joined(room, 'alice');
      const b = await joined(room, 'bob');
      a.c.send({ type: 'leave' });
      const left = await b.c.next('participant-left');
      assert.deepEqual(left, { type: 'participant-left', participantId: a.id, reason: 'left' });
      assert.equal((await a.c.waitClosed()).code, 1000);
    });

    void test('a dropped socket resumes the same participant with its tracks; without resume it is removed after the grace', async () => {
      const room = freshRoom();
      const a = await joined(room, 'alice');
      const b = await joined(room, 'bob');
      const sid = await session(a.tok);
      a.c.send({ type: 'publish', tracks: [camera(sid)] });
      await b.c.next('tracks-published');
      a.c.terminate();
      await b.c.next('participant-state', (m) => m.participantId === a.id && !m.connected);

      const a2 = await connect(room);
      const w = await a2.join(a.tok, { resumeToken: a.welcome.resumeToken });
      assert.equal(w.resumed, true);
      assert.equal(w.participantId, a.id);
      assert.deepEqual(w.participants.find((p) => p.id === a.id)?.tracks, [camera(sid)]);
      await b.c.next('participant-state', (m) => m.participantId === a.id && m.connected);
      assert.equal(w.participants.length, 2, 'no duplicate participant');
      assert.equal(b.c.messages.filter((m) => m.type === 'participant-joined').length, 0);

      // Drop again and do not come back: removed once the grace period has passed.
      const from = b.c.messages.length;
      a2.terminate();
      await b.c.next('participant-state', (m) => m.participantId === a.id && !m.connected, from);
      b.c.send({ type: 'heartbeat' });
      await h.advance(room, 11_000);
      const left = await b.c.next('participant-left', () => true, from);
      assert.equal(left.reason, 'disconnected');
      // A stale resume token starts a new participant.
      const a3 = await connect(room);
      const w3 = await a3.join(a.tok, { resumeToken: a.welcome.resumeToken });
      assert.equal(w3.resumed, false);
      assert.notEqual(w3.participantId, a.id);
    });

    void test('a participant silent for 15 s is removed and announced', async () => {
      const room = freshRoom();
      const a = await joined(room, 'alice');
      const b = await joined(room, 'bob');
      await h.advance(room, 10_000);
      b.c.send({ type: 'heartbeat' });
      await b.c.next('heartbeat-ack');
      await h.advance(room, 6_000);
      const left = await b.c.next('participant-left');
      assert.deepEqual(left, { type: 'participant-left', participantId: a.id, reason: 'stale' });
      await a.c.waitClosed();
    });

    void test('host moderation: mute request and removal; guests may not', async () => {
      const room = freshRoom();
      const host = await joined(room, 'hana', 'host');
      const g = await joined(room, 'gus');
      const x = await joined(room, 'xena');
      g.c.send({ type: 'mute-request', participantId: x.id });
      assert.equal((await g.c.next('error', (e) => e.ref === 'mute-request')).code, 'forbidden');
      g.c.send({ type: 'remove', participantId: x.id });
      assert.equal((await g.c.next('error', (e) => e.ref === 'remove')).code, 'forbidden');

      host.c.send({ type: 'mute-request', participantId: x.id });
      const mute = await x.c.next('mute-requested');
      assert.deepEqual(mute, { type: 'mute-requested', by: host.id, kind: 'audio' });

      host.c.send({ type: 'remove', participantId: x.id });
      assert.deepEqual(await x.c.next('removed'), { type: 'removed', by: host.id });
      assert.equal((await x.c.waitClosed()).code, 4003);
      const left = await g.c.next('participant-left');
      assert.equal(left.reason, 'removed');
      // The removed user cannot come back with a new token, nor use the Calls proxy in this room.
      const again = await connect(room);
      again.send({ type: 'join', token: await token(room, 'xena') });
      const err = await again.next('error');
      assert.equal(err.code, 'removed');
      assert.equal(err.fatal, true);
      const res = await fetch(`${h.base}/api/calls/sessions/new`, {
        method: 'POST',
        headers: { authorization: `Bearer ${x.tok}` },
      });
      assert.equal(res.status, 403);
      host.c.send({ type: 'remove', participantId: 'nobody' });
      assert.equal((await host.c.next('error', (e) => e.ref === 'remove')).code, 'unknown-participant');
    });

    void test('breakouts: assignments are broadcast and limit who may pull whom; end-breakouts brings everyone back', async () => {
      const room = freshRoom();
      const host = await joined(room, 'hana', 'host');
      const a = await joined(room, 'alice');
      const b = await joined(room, 'bob');
      const sa = await session(a.tok);
      const sb = await session(b.tok);
      const sh = await session(host.tok);
      const pull = (tok: string, own: string, from: string) =>
        fetch(`${h.base}/api/calls/sessions/${own}/tracks/new`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tok}` },
          body: JSON.stringify({ tracks: [{ location: 'remote', sessionId: from, trackName: 'cam' }] }),
        });
      assert.equal((await pull(host.tok, sh, sa)).status, 200, 'main room: everyone sees everyone');

      a.c.send({ type: 'assign-breakouts', assignments: { [host.id]: 'x' } });
      assert.equal((await a.c.next('error', (e) => e.ref === 'assign-breakouts')).code, 'forbidden');
      host.c.send({ type: 'assign-breakouts', assignments: { [a.id]: 'one', [b.id]: 'one' } });
      const bo = await b.c.next('breakouts');
      assert.deepEqual(bo.assignments, { [host.id]: null, [a.id]: 'one', [b.id]: 'one' });
      await host.c.next('breakouts');
      assert.equal((await pull(b.tok, sb, sa)).status, 200, 'same breakout');
      const denied = await pull(host.tok, sh, sa);
      assert.equal(denied.status, 403);
      assert.equal(((await denied.json()) as { errorCode: string }).errorCode, 'forbidden');

      const from = b.c.messages.length;
      host.c.send({ type: 'end-breakouts' });
      const back = await b.c.next('breakouts', () => true, from);
      assert.deepEqual(back.assignments, { [host.id]: null, [a.id]: null, [b.id]: null });
      assert.equal((await pull(host.tok, sh, sa)).status, 200, 'back together');
    });

    void test("a second presence socket stays in its user's breakout: it cannot widen what the user may pull", async () => {
      const room = freshRoom();
      const host = await joined(room, 'hana', 'host');
      const a = await joined(room, 'alice');
      const b = await joined(room, 'bob');
      const sa = await session(a.tok);
      const sb = await session(b.tok);
      const pull = (tok: string, own: string, from: string) =>
        fetch(`${h.base}/api/calls/sessions/${own}/tracks/new`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tok}` },
          body: JSON.stringify({ tracks: [{ location: 'remote', sessionId: from, trackName: 'cam' }] }),
        });
      host.c.send({ type: 'assign-breakouts', assignments: { [a.id]: 'one' } });
      await a.c.next('breakouts');
      const expectForbidden = async (res: Response, why: string) => {
        assert.equal(res.status, 403, why);
        assert.equal(((await res.json()) as { errorCode: string }).errorCode, 'forbidden', why);
      };
      await expectForbidden(await pull(a.tok, sa, sb), 'alice, in breakout one, cannot pull bob');

      // Alice opens a second socket: her new participant starts in her breakout, not in the main room.
      const from = host.c.messages.length;
      const second = await connect(room);
      const w = await second.join(a.tok);
      assert.equal(w.participants.find((p) => p.id === w.participantId)?.breakout, 'one');
      const seen = await host.c.next('participant-joined', () => true, from);
      assert.equal(seen.participant.breakout, 'one');
      await expectForbidden(await pull(a.tok, sa, sb), 'still not bob');
      await expectForbidden(await pull(b.tok, sb, sa), 'nor bob alice');
      const sa2 = await session(a.tok);
      await expectForbidden(await pull(a.tok, sa2, sb), 'nor from a fresh session');

      // One user is in one breakout: assigning either participant moves both; splitting them is refused.
      host.c.send({
        type: 'assign-breakouts',
        assignments: { [a.id]: 'one', [w.participantId]: null },
      });
      assert.equal((await host.c.next('error', (e) => e.ref === 'assign-breakouts')).code, 'invalid-message');
      const moved = host.c.messages.length;
      host.c.send({ type: 'assign-breakouts', assignments: { [w.participantId]: null } });
      const bo = await host.c.next('breakouts', () => true, moved);
      assert.equal(bo.assignments[a.id], null);
      assert.equal(bo.assignments[w.participantId], null);
      assert.equal((await pull(a.tok, sa, sb)).status, 200, 'back in the main room');
    });

    void test('seats per user: a fourth socket of one user gets seat-limit; a dropped seat is taken over', async () => {
      const room = freshRoom();
      const tok = await token(room, 'greedy');
      const seats = await Promise.all([1, 2, 3].map(() => connect(room)));
      const ids: string[] = [];
      for (const c of seats) ids.push((await c.join(tok)).participantId);
      const extra = await connect(room);
      extra.send({ type: 'join', token: tok });
      const err = await extra.next('error');
      assert.equal(err.code, 'seat-limit');
      assert.equal(err.fatal, true);
      assert.equal((await extra.waitClosed()).code, 4009);
      // Someone else still gets in.
      const other = await joined(room, 'modest');
      // A dropped socket (in its resume grace) leaves a seat the same user may take over.
      seats[0]!.terminate();
      await other.c.next('participant-state', (m) => m.participantId === ids[0] && !m.connected);
      const from = other.c.messages.length;
      const again = await connect(room);
      const w = await again.join(tok);
      assert.ok(!ids.includes(w.participantId));
      const left = await other.c.next('participant-left', (m) => m.participantId === ids[0], from);
      assert.equal(left.reason, 'disconnected');
      assert.equal(w.participants.filter((p) => p.userId === 'greedy').length, 3);
    });

    void test('room-full: the participant over the limit gets a clear error and a close', async () => {
      const room = freshRoom();
      const all = await Promise.all(Array.from({ length: 40 }, (_, i) => joined(room, `user${i}`)));
      const extra = await connect(room);
      extra.send({ type: 'join', token: await token(room, 'one-too-many') });
      const err = await extra.next('error');
      assert.equal(err.code, 'room-full');
      assert.equal(err.fatal, true);
      assert.equal((await extra.waitClosed()).code, 4009);
      // Everyone hears about a publish.
      const sid = await session(all[0]!.tok);
      all[0]!.c.send({ type: 'publish', tracks: [camera(sid)] });
      await Promise.all(all.slice(1).map((x) => x.c.next('tracks-published')));
    });

    void test('bad messages get typed errors and never disturb the room', async () => {
      const room = freshRoom();
      const a = await joined(room, 'alice');
      const b = await joined(room, 'bob');
      const cases: [string, string][] = [
        ['not json', 'bad-json'],
        ['[1,2]', 'invalid-message'],
        [JSON.stringify({ type: 'dance' }), 'unknown-type'],
        [JSON.stringify({ type: 'publish', tracks: [{ sessionId: 'x' }] }), 'invalid-message'],
        [JSON.stringify({ type: 'state', state: { muted: 'yes' } }), 'invalid-message'],
        [JSON.stringify({ type: 'heartbeat', extra: 1 }), 'invalid-message'],
        [JSON.stringify({ type: 'join', token: a.tok }), 'already-joined'],
        [JSON.stringify({ type: 'state', state: { muted: true }, pad: 'x'.repeat(20_000) }), 'too-large'],
      ];
      for (const [text, code] of cases) {
        const from = b.c.messages.length;
        b.c.sendRaw(text);
        const err = await b.c.next('error', () => true, from);
        assert.equal(err.code, code, text.slice(0, 40));
      }
      // A socket that has not joined is told to join first.
      const lurker = await connect(room);
      lurker.send({ type: 'heartbeat' });
      assert.equal((await lurker.next('error')).code, 'not-joined');
      // A bad token is refused and the socket closed.
      const bad = await connect(room);
      bad.send({ type: 'join', token: 'not.a.token' });
      assert.equal((await bad.next('error')).code, 'unauthorized');
      assert.equal((await bad.waitClosed()).code, 4001);
      const other = await connect(room);
      other.send({ type: 'join', token: await token(`${room}-elsewhere`, 'eve') });
      assert.equal((await other.next('error')).code, 'unauthorized');

      // Flooding: rate-limited errors, no broadcast storm, the room still works.
      const flood = await joined(room, 'flo');
      for (let i = 0; i < 200; i++) flood.c.send({ type: 'heartbeat' });
      await flood.c.next('error', (e) => e.code === 'rate-limited');

      // Alice saw none of this, and the room still works for bob.
      const seen = a.c.messages.filter((m) => m.type === 'error');
      assert.equal(seen.length, 0);
      b.c.send({ type: 'state', state: { speaking: true } });
      const st = await a.c.next('participant-state', (m) => m.participantId === b.id);
      assert.equal(st.state.speaking, true);
    });
  });
}
