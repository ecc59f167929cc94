/** SessionBindings on its own: who owns which Calls session, who may pull what, and what is forgotten when. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_BINDINGS_PER_USER,
  SessionBindings,
  UNJOINED_BINDING_TTL_MS,
} from '../../src/server/session-bindings.ts';

/** A roster stand-in: user -> breakout (null: the main room); absent users are not in presence. */
const withRoster = (roster: Record<string, string | null>) =>
  new SessionBindings((sub) => (sub in roster ? roster[sub] : undefined));

void test('owner only; an unknown own session is gone', () => {
  const b = withRoster({ a: null, b: null });
  assert.ok(b.empty);
  assert.deepEqual(b.bind('sa', { sub: 'a', role: 'guest' }, 0), { ok: true });
  assert.deepEqual(b.authorize({ sub: 'a' }, { sessionId: 'sa' }), { ok: true });
  assert.equal(b.authorize({ sub: 'b' }, { sessionId: 'sa' }).ok, false);
  const gone = b.authorize({ sub: 'a' }, { sessionId: 'nope' });
  assert.ok(!gone.ok && gone.gone === true);
  assert.ok(b.isOwnedBy('sa', 'a') && !b.isOwnedBy('sa', 'b'));
  assert.deepEqual(b.binding('sa'), { sub: 'a', role: 'guest', boundAt: 0 });
  assert.ok(!b.empty);
});

void test('pulls need both users in presence, in one breakout; own sessions always', () => {
  const roster: Record<string, string | null> = { a: null, b: null };
  const b = withRoster(roster);
  b.bind('sa', { sub: 'a', role: 'guest' }, 0);
  b.bind('sb', { sub: 'b', role: 'guest' }, 0);
  b.bind('sl', { sub: 'lurker', role: 'guest' }, 0);
  assert.deepEqual(b.authorize({ sub: 'a' }, { sessionId: 'sa', pullFrom: ['sb'] }), { ok: true });
  assert.equal(b.authorize({ sub: 'a' }, { pullFrom: ['unknown'] }).ok, false);
  assert.equal(b.authorize({ sub: 'a' }, { pullFrom: ['sl'] }).ok, false);
  assert.equal(b.authorize({ sub: 'lurker' }, { sessionId: 'sl', pullFrom: ['sa'] }).ok, false);
  roster.a = 'x';
  assert.equal(b.authorize({ sub: 'b' }, { pullFrom: ['sa'] }).ok, false);
  assert.deepEqual(b.authorize({ sub: 'a' }, { pullFrom: ['sa'] }), { ok: true });
  roster.b = 'x';
  assert.deepEqual(b.authorize({ sub: 'b' }, { pullFrom: ['sa'] }), { ok: true });
});

void test(`at most ${MAX_BINDINGS_PER_USER} sessions per user: the oldest are forgotten`, () => {
  const b = withRoster({ a: null });
  b.bind('other', { sub: 'o', role: 'guest' }, 0);
  for (let i = 0; i <= MAX_BINDINGS_PER_USER; i++) b.bind(`s${i}`, { sub: 'a', role: 'guest' }, i);
  assert.equal(b.binding('s0'), undefined);
  assert.equal(b.binding(`s${MAX_BINDINGS_PER_USER}`)?.sub, 'a');
  assert.equal(b.sessionIds().length, MAX_BINDINGS_PER_USER + 1);
  assert.equal(b.binding('other')?.sub, 'o');
});

void test('bindings of users never in presence expire after the TTL; present users keep theirs', () => {
  const b = withRoster({});
  b.bind('sa', { sub: 'a', role: 'guest' }, 0);
  b.bind('sl', { sub: 'lurker', role: 'guest' }, 0);
  b.expireUnjoined(new Set(['a']), UNJOINED_BINDING_TTL_MS);
  assert.deepEqual(b.sessionIds().sort(), ['sa', 'sl']);
  b.expireUnjoined(new Set(['a']), UNJOINED_BINDING_TTL_MS + 1);
  assert.deepEqual(b.sessionIds(), ['sa']);
});

void test('a banned user loses their bindings, may not bind or act; dropUser forgets only that user', () => {
  const b = withRoster({ a: null, b: null });
  b.bind('sa', { sub: 'a', role: 'guest' }, 0);
  b.bind('sb', { sub: 'b', role: 'guest' }, 0);
  b.ban('a');
  assert.ok(b.isBanned('a'));
  assert.deepEqual(b.bannedUsers(), ['a']);
  assert.equal(b.binding('sa'), undefined);
  assert.equal(b.bind('sa2', { sub: 'a', role: 'guest' }, 1).ok, false);
  assert.equal(b.authorize({ sub: 'a' }, {}).ok, false);
  b.dropUser('b');
  assert.deepEqual(b.sessionIds(), []);
  assert.ok(!b.empty, 'the ban is kept');
});
