/** The pure PresenceRoom: messages and time in, effects out (no sockets, no timers). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PresenceRoom, type RoomEffect } from '../../src/server/presence-room.ts';

const newRoom = (opts: Partial<ConstructorParameters<typeof PresenceRoom>[0]> = {}) => {
  let n = 0;
  return new PresenceRoom({
    name: 'r',
    sizeLimit: 3,
    resumeGraceMs: 5_000,
    randomId: () => `id${++n}`,
    ...opts,
  });
};
const sentTo = (effects: RoomEffect[], id: string) =>
  effects.flatMap((e) => (e.kind === 'send' && e.to.includes(id) ? [e.message] : []));

void test('stale after exactly staleAfterMs of silence, not before', () => {
  const room = newRoom();
  const a = room.join({ sub: 'a', name: 'A', role: 'guest' }, 0);
  const b = room.join({ sub: 'b', name: 'B', role: 'guest' }, 0);
  assert.ok(a.ok && b.ok);
  room.handle(b.participantId, { type: 'heartbeat' }, 10_000);
  assert.deepEqual(room.tick(15_000), []);
  const effects = room.tick(15_001);
  assert.deepEqual(effects, [
    { kind: 'close', participantId: a.participantId, code: 4011, reason: 'stale' },
    {
      kind: 'send',
      to: [b.participantId],
      message: { type: 'participant-left', participantId: a.participantId, reason: 'stale' },
    },
  ]);
  assert.equal(room.size, 1);
});

void test('disconnect keeps the participant for the grace period; resume needs the same user', () => {
  const room = newRoom();
  const a = room.join({ sub: 'a', name: 'A', role: 'guest' }, 0);
  assert.ok(a.ok);
  const welcome = sentTo(a.effects, a.participantId)[0];
  assert.equal(welcome?.type, 'welcome');
  const resumeToken = welcome?.type === 'welcome' ? welcome.resumeToken : '';
  room.disconnect(a.participantId, 1_000);
  // Someone else holding the resume token gets a new participant instead.
  const thief = room.join({ sub: 'z', name: 'Z', role: 'guest', resumeToken }, 2_000);
  assert.ok(thief.ok && !thief.resumed);
  const back = room.join({ sub: 'a', name: 'A', role: 'guest', resumeToken }, 5_000);
  assert.ok(back.ok && back.resumed && back.participantId === a.participantId);
  room.disconnect(a.participantId, 6_000);
  assert.deepEqual(room.tick(11_000), []);
  assert.equal(room.tick(11_001).length, 1);
  assert.equal(room.participant(a.participantId), undefined);
});

void test('room-full counts participants in their grace period; resume still fits', () => {
  const room = newRoom({ sizeLimit: 1 });
  const a = room.join({ sub: 'a', name: 'A', role: 'guest' }, 0);
  assert.ok(a.ok);
  room.disconnect(a.participantId, 1);
  const b = room.join({ sub: 'b', name: 'B', role: 'guest' }, 2);
  assert.ok(!b.ok && b.error.code === 'room-full');
});

void test('session bindings: owner only; pulls within the room and the breakout', () => {
  const room = newRoom();
  const a = room.join({ sub: 'a', name: 'A', role: 'guest' }, 0);
  const b = room.join({ sub: 'b', name: 'B', role: 'guest' }, 0);
  const h = room.join({ sub: 'h', name: 'H', role: 'host' }, 0);
  assert.ok(a.ok && b.ok && h.ok);
  room.bindings.bind('sa', { sub: 'a', role: 'guest' }, 0);
  room.bindings.bind('sb', { sub: 'b', role: 'guest' }, 0);
  assert.deepEqual(room.bindings.authorize({ sub: 'a' }, { sessionId: 'sa', pullFrom: ['sb'] }), {
    ok: true,
  });
  assert.equal(room.bindings.authorize({ sub: 'b' }, { sessionId: 'sa' }).ok, false);
  assert.equal(room.bindings.authorize({ sub: 'a' }, { pullFrom: ['unknown'] }).ok, false);
  room.handle(h.participantId, { type: 'assign-breakouts', assignments: { [a.participantId]: 'x' } }, 1);
  assert.equal(room.bindings.authorize({ sub: 'b' }, { sessionId: 'sb', pullFrom: ['sa'] }).ok, false);
  assert.equal(room.bindings.authorize({ sub: 'a' }, { sessionId: 'sa', pullFrom: ['sa'] }).ok, true);
  // Leaving drops the user's bindings: nobody can pull a departed user's session.
  room.handle(b.participantId, { type: 'leave' }, 2);
  assert.equal(room.bindings.authorize({ sub: 'a' }, { pullFrom: ['sb'] }).ok, false);
});

void test('publish requires a bound session when asked to, and replaces tracks by (session, name)', () => {
  const room = newRoom({ requireBoundSessions: true });
  const a = room.join({ sub: 'a', name: 'A', role: 'guest' }, 0);
  assert.ok(a.ok);
  const track = { sessionId: 'sa', trackName: 'cam', kind: 'video', source: 'camera' } as const;
  const refused = room.handle(a.participantId, { type: 'publish', tracks: [track] }, 1);
  assert.equal(sentTo(refused, a.participantId)[0]?.type, 'error');
  room.bindings.bind('sa', { sub: 'a', role: 'guest' }, 1);
  room.handle(a.participantId, { type: 'publish', tracks: [track] }, 2);
  room.handle(a.participantId, { type: 'publish', tracks: [{ ...track, simulcast: [{ rid: 'f' }] }] }, 3);
  assert.deepEqual(room.participant(a.participantId)?.tracks, [{ ...track, simulcast: [{ rid: 'f' }] }]);
});

void test('session: announced without tracks, bound sessions only, viewers may not claim chat, kept on resume', () => {
  const room = newRoom({ requireBoundSessions: true });
  const a = room.join({ sub: 'a', name: 'A', role: 'guest' }, 0);
  const b = room.join({ sub: 'b', name: 'B', role: 'guest' }, 0);
  const v = room.join({ sub: 'v', name: 'V', role: 'viewer' }, 0);
  assert.ok(a.ok && b.ok && v.ok);
  const session = { sessionId: 'sa', chat: true };
  const refused = room.handle(a.participantId, { type: 'session', session }, 1);
  assert.equal(sentTo(refused, a.participantId)[0]?.type, 'error');
  assert.deepEqual(sentTo(refused, b.participantId), []);
  room.bindings.bind('sa', { sub: 'a', role: 'guest' }, 1);
  const ok = room.handle(a.participantId, { type: 'session', session }, 2);
  assert.deepEqual(sentTo(ok, b.participantId), [
    { type: 'participant-session', participantId: a.participantId, session },
  ]);
  assert.deepEqual(sentTo(ok, a.participantId), []);
  assert.deepEqual(room.participant(a.participantId)?.session, session);
  assert.deepEqual(room.participant(a.participantId)?.tracks, []);

  room.bindings.bind('sv', { sub: 'v', role: 'viewer' }, 2);
  const viewer = room.handle(
    v.participantId,
    { type: 'session', session: { sessionId: 'sv', chat: true } },
    3,
  );
  const err = sentTo(viewer, v.participantId)[0];
  assert.equal(err?.type === 'error' && err.code, 'forbidden');
  room.handle(v.participantId, { type: 'session', session: { sessionId: 'sv', chat: false } }, 3);
  assert.deepEqual(room.participant(v.participantId)?.session, { sessionId: 'sv', chat: false });

  // A resumed participant keeps its session; a newcomer's welcome carries it.
  const welcome = (effects: RoomEffect[], id: string) =>
    sentTo(effects, id).find((m) => m.type === 'welcome');
  const resumeToken = (() => {
    const w = welcome(a.effects, a.participantId);
    return w?.type === 'welcome' ? w.resumeToken : '';
  })();
  room.disconnect(a.participantId, 4);
  const back = room.join({ sub: 'a', name: 'A', role: 'guest', resumeToken }, 5);
  assert.ok(back.ok && back.resumed);
  const w = welcome(back.effects, a.participantId);
  assert.deepEqual(
    w?.type === 'welcome' && w.participants.find((p) => p.id === a.participantId)?.session,
    session,
  );
});

void test('pulls need the caller in presence, and the publisher too; an unknown own session is gone', () => {
  const room = newRoom();
  const a = room.join({ sub: 'a', name: 'A', role: 'guest' }, 0);
  assert.ok(a.ok);
  room.bindings.bind('sa', { sub: 'a', role: 'guest' }, 0);
  room.bindings.bind('sl', { sub: 'lurker', role: 'guest' }, 0);
  // Acting on one's own session needs no presence (the widget creates it while joining)...
  assert.deepEqual(room.bindings.authorize({ sub: 'lurker' }, { sessionId: 'sl' }), { ok: true });
  // ...pulling does.
  const lurking = room.bindings.authorize({ sub: 'lurker' }, { sessionId: 'sl', pullFrom: ['sa'] });
  assert.equal(lurking.ok, false);
  assert.equal(room.bindings.authorize({ sub: 'a' }, { sessionId: 'sa', pullFrom: ['sl'] }).ok, false);
  assert.deepEqual(room.bindings.authorize({ sub: 'a' }, { sessionId: 'sa', pullFrom: ['sa'] }), {
    ok: true,
  });
  const l = room.join({ sub: 'lurker', name: 'L', role: 'guest' }, 1);
  assert.ok(l.ok);
  assert.deepEqual(room.bindings.authorize({ sub: 'lurker' }, { sessionId: 'sl', pullFrom: ['sa'] }), {
    ok: true,
  });
  assert.deepEqual(room.bindings.authorize({ sub: 'a' }, { sessionId: 'sa', pullFrom: ['sl'] }), {
    ok: true,
  });
  // A participant within its resume grace is still in presence.
  room.disconnect(l.participantId, 2);
  assert.deepEqual(room.bindings.authorize({ sub: 'lurker' }, { sessionId: 'sl', pullFrom: ['sa'] }), {
    ok: true,
  });

  const gone = room.bindings.authorize({ sub: 'a' }, { sessionId: 'nope' });
  assert.equal(!gone.ok && gone.gone, true);
  const foreign = room.bindings.authorize({ sub: 'a' }, { sessionId: 'sl' });
  assert.equal(!foreign.ok && foreign.gone, undefined, "someone else's session is forbidden, not gone");
});

void test("breakouts are per user: a second participant starts in the user's breakout; one moves all", () => {
  const room = newRoom({ sizeLimit: 10 });
  const h = room.join({ sub: 'h', name: 'H', role: 'host' }, 0);
  const a1 = room.join({ sub: 'a', name: 'A', role: 'guest' }, 0);
  const b = room.join({ sub: 'b', name: 'B', role: 'guest' }, 0);
  assert.ok(h.ok && a1.ok && b.ok);
  room.bindings.bind('sa', { sub: 'a', role: 'guest' }, 0);
  room.bindings.bind('sb', { sub: 'b', role: 'guest' }, 0);
  room.handle(h.participantId, { type: 'assign-breakouts', assignments: { [a1.participantId]: 'x' } }, 1);
  const a2 = room.join({ sub: 'a', name: 'A', role: 'guest' }, 2);
  assert.ok(a2.ok);
  assert.equal(room.participant(a2.participantId)?.breakout, 'x');
  assert.equal(room.bindings.authorize({ sub: 'a' }, { sessionId: 'sa', pullFrom: ['sb'] }).ok, false);
  assert.equal(room.bindings.authorize({ sub: 'b' }, { sessionId: 'sb', pullFrom: ['sa'] }).ok, false);

  const split = room.handle(
    h.participantId,
    { type: 'assign-breakouts', assignments: { [a1.participantId]: 'x', [a2.participantId]: 'y' } },
    3,
  );
  const err = sentTo(split, h.participantId)[0];
  assert.equal(err?.type === 'error' && err.code, 'invalid-message');
  assert.equal(room.participant(a2.participantId)?.breakout, 'x', 'a refused assignment changes nothing');

  const moved = room.handle(
    h.participantId,
    { type: 'assign-breakouts', assignments: { [a2.participantId]: null, [b.participantId]: 'x' } },
    4,
  );
  const bo = sentTo(moved, h.participantId)[0];
  assert.deepEqual(bo?.type === 'breakouts' && bo.assignments, {
    [h.participantId]: null,
    [a1.participantId]: null,
    [a2.participantId]: null,
    [b.participantId]: 'x',
  });
  room.handle(h.participantId, { type: 'assign-breakouts', assignments: { [a1.participantId]: 'x' } }, 5);
  assert.deepEqual(room.bindings.authorize({ sub: 'a' }, { sessionId: 'sa', pullFrom: ['sb'] }), {
    ok: true,
  });
});

void test('seats per user: the cap refuses a new participant, a resume fits, a dropped seat is taken over', () => {
  const room = newRoom({ sizeLimit: 10, seatsPerUser: 2 });
  const welcomeOf = (r: ReturnType<PresenceRoom['join']>) => {
    const w = r.ok ? sentTo(r.effects, r.participantId)[0] : undefined;
    return w?.type === 'welcome' ? w : undefined;
  };
  const o = room.join({ sub: 'o', name: 'O', role: 'guest' }, 0);
  const a1 = room.join({ sub: 'u', name: 'U', role: 'guest' }, 0);
  const a2 = room.join({ sub: 'u', name: 'U', role: 'guest' }, 0);
  assert.ok(o.ok && a1.ok && a2.ok);
  room.bindings.bind('su', { sub: 'u', role: 'guest' }, 0);
  const third = room.join({ sub: 'u', name: 'U', role: 'guest' }, 1);
  assert.ok(!third.ok);
  assert.equal(third.error.code, 'seat-limit');
  assert.equal(third.error.fatal, true);
  // A resume reuses its seat.
  room.disconnect(a1.participantId, 2);
  const resumed = room.join(
    { sub: 'u', name: 'U', role: 'guest', resumeToken: welcomeOf(a1)?.resumeToken },
    3,
  );
  assert.ok(resumed.ok && resumed.resumed);
  // A new participant takes over the user's oldest dropped seat; the user's sessions stay bound.
  room.disconnect(a2.participantId, 4);
  room.disconnect(a1.participantId, 5);
  const a3 = room.join({ sub: 'u', name: 'U', role: 'guest' }, 6);
  assert.ok(a3.ok && !a3.resumed);
  assert.equal(room.participant(a2.participantId), undefined);
  assert.ok(room.participant(a1.participantId));
  assert.deepEqual(sentTo(a3.effects, o.participantId)[0], {
    type: 'participant-left',
    participantId: a2.participantId,
    reason: 'disconnected',
  });
  assert.equal(room.bindings.binding('su')?.sub, 'u');
  assert.equal(room.size, 3);
});
