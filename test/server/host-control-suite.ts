/**
 * Host control over presence, shared by the Node backend and the Worker (Durable Object): the lobby (waiting
 * participants hold no Calls session; admit, deny, cancel; a host reconnect keeps it), lock, mute-all, end,
 * hands in order, and profiles (name, avatar, metadata) with their bad input refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RoomRole } from '../../src/protocol/token.ts';
import type { Harness } from './harness.ts';
import { PresenceClient, token } from './helpers.ts';
import { freshRoom } from './presence-suite.ts';

export function hostControlSuite(name: string, start: () => Promise<Harness>): void {
  void describe(`host control (${name})`, () => {
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
    const joined = async (room: string, sub: string, role: RoomRole = 'guest', extra = {}) => {
      const c = await connect(room);
      const tok = await token(room, sub, role);
      const welcome = await c.join(tok, extra);
      return { c, welcome, id: welcome.participantId, tok };
    };
    /** Joins into the lobby: the socket gets `waiting`, no welcome. */
    const knock = async (room: string, sub: string) => {
      const c = await connect(room);
      const tok = await token(room, sub, 'guest');
      c.send({ type: 'join', token: tok });
      const waiting = await c.next('waiting');
      return { c, id: waiting.participantId, tok };
    };
    const newSession = (tok: string) =>
      fetch(`${h.base}/api/calls/sessions/new`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tok}` },
      });

    void test('lobby: a guest waits without a Calls session; the host is told, admits; the guest is welcomed', async () => {
      const room = freshRoom('lobby');
      const host = await joined(room, 'host', 'host');
      const early = await joined(room, 'early');
      host.c.send({ type: 'room-settings', settings: { lobby: true } });
      await early.c.next('room-settings-changed', (m) => m.settings.lobby && m.by === host.id);
      // Who was in the room before the lobby went up needs no admission on a reload.
      const earlyAgain = await joined(room, 'early');
      assert.ok(earlyAgain.welcome);

      const guest = await knock(room, 'guest');
      const list = await host.c.next('lobby', (m) => m.waiting.length === 1);
      assert.equal(list.waiting[0]?.id, guest.id);
      assert.equal(list.waiting[0]?.name, 'guest');
      // The proxy refuses the waiting guest a Calls session.
      const refused = await newSession(guest.tok);
      assert.equal(refused.status, 403);
      assert.match(((await refused.json()) as { errorDescription: string }).errorDescription, /lobby/);
      // Anything but leave and heartbeat is refused while waiting.
      guest.c.send({ type: 'state', state: { handRaised: true } });
      assert.equal((await guest.c.next('error')).code, 'not-joined');
      assert.ok(
        !early.c.messages.some((m) => m.type === 'participant-joined' && m.participant.userId === 'guest'),
      );

      host.c.send({ type: 'admit', participantId: guest.id });
      const welcome = await guest.c.next('welcome');
      assert.equal(welcome.participantId, guest.id);
      assert.equal((await guest.c.next('room-settings-changed')).settings.lobby, true);
      await early.c.next('participant-joined', (m) => m.participant.id === guest.id);
      await host.c.next('lobby', (m) => m.waiting.length === 0);
      assert.equal((await newSession(guest.tok)).status, 201);
    });

    void test('lobby: deny closes the guest with `denied`; cancel (leave) takes them off the list', async () => {
      const room = freshRoom('deny');
      const host = await joined(room, 'host', 'host');
      host.c.send({ type: 'room-settings', settings: { lobby: true } });
      await host.c.next('room-settings-changed');
      const a = await knock(room, 'a');
      const b = await knock(room, 'b');
      await host.c.next('lobby', (m) => m.waiting.length === 2);
      host.c.send({ type: 'deny', participantId: a.id });
      const err = await a.c.next('error');
      assert.equal(err.code, 'denied');
      assert.equal(err.fatal, true);
      assert.equal((await a.c.waitClosed()).code, 4013);
      b.c.send({ type: 'leave' });
      await b.c.waitClosed();
      const from = host.c.messages.length;
      await host.c.next('lobby', (m) => m.waiting.length === 0, from - 1);
    });

    void test('lobby: a host reconnecting (resume) gets the waiting list again; a guest cannot admit', async () => {
      const room = freshRoom('resume');
      const host = await joined(room, 'host', 'host');
      const other = await joined(room, 'other');
      host.c.send({ type: 'room-settings', settings: { lobby: true } });
      await host.c.next('room-settings-changed');
      const guest = await knock(room, 'guest');
      await host.c.next('lobby', (m) => m.waiting.length === 1);
      other.c.send({ type: 'admit', participantId: guest.id });
      const forbidden = await other.c.next('error');
      assert.equal(forbidden.code, 'forbidden');
      assert.match(forbidden.message, /only a host/);

      host.c.terminate();
      const back = await connect(room);
      const welcome = await back.join(host.tok, { resumeToken: host.welcome.resumeToken });
      assert.ok(welcome.resumed);
      const list = await back.next('lobby');
      assert.deepEqual(
        list.waiting.map((w) => w.id),
        [guest.id],
      );
      assert.equal((await back.next('room-settings-changed')).settings.lobby, true);
      back.send({ type: 'admit', participantId: guest.id });
      await guest.c.next('welcome');
    });

    void test('lock: new joiners are refused with `locked` (and get no session); hosts still come in', async () => {
      const room = freshRoom('lock');
      const host = await joined(room, 'host', 'host');
      host.c.send({ type: 'room-settings', settings: { locked: true } });
      await host.c.next('room-settings-changed', (m) => m.settings.locked);
      const late = await connect(room);
      const tok = await token(room, 'late', 'guest');
      late.send({ type: 'join', token: tok });
      const err = await late.next('error');
      assert.equal(err.code, 'locked');
      assert.equal((await late.waitClosed()).code, 4012);
      assert.equal((await newSession(tok)).status, 403);
      await joined(room, 'cohost', 'host');
      host.c.send({ type: 'room-settings', settings: { locked: false } });
      await host.c.next('room-settings-changed', (m) => !m.settings.locked);
      await joined(room, 'late');
    });

    void test('mute-all asks everyone else; end-meeting ends it for all with `ended`', async () => {
      const room = freshRoom('end');
      const host = await joined(room, 'host', 'host');
      const a = await joined(room, 'a');
      const b = await joined(room, 'b');
      host.c.send({ type: 'mute-all' });
      for (const x of [a, b]) assert.equal((await x.c.next('mute-requested')).by, host.id);
      assert.ok(!host.c.messages.some((m) => m.type === 'mute-requested'));
      a.c.send({ type: 'end-meeting' });
      assert.equal((await a.c.next('error')).code, 'forbidden');
      host.c.send({ type: 'end-meeting' });
      for (const x of [host, a, b]) {
        assert.equal((await x.c.next('ended')).by, host.id);
        assert.equal((await x.c.waitClosed()).code, 4014);
      }
      // The room starts afresh: joining again works.
      await joined(room, 'a');
    });

    void test('hands: raised in order for everyone, lowered and dropped when someone leaves', async () => {
      const room = freshRoom('hands');
      const a = await joined(room, 'a');
      const b = await joined(room, 'b');
      b.c.send({ type: 'state', state: { handRaised: true } });
      await a.c.next('hands', (m) => m.order.join() === b.id);
      a.c.send({ type: 'state', state: { handRaised: true } });
      await b.c.next('hands', (m) => m.order.join() === [b.id, a.id].join());
      const late = await joined(room, 'late');
      assert.deepEqual((await late.c.next('hands')).order, [b.id, a.id]);
      b.c.send({ type: 'leave' });
      await a.c.next('hands', (m) => m.order.join() === a.id);
    });

    void test('profile: name, avatar and metadata reach everyone; bad ones are refused clearly', async () => {
      const room = freshRoom('profile');
      const a = await joined(room, 'a', 'guest', {
        profile: { avatarUrl: 'https://example.com/a.png', metadata: { order: 42 } },
      });
      assert.deepEqual(a.welcome.participants[0]?.metadata, { order: 42 });
      const b = await joined(room, 'b');
      const seen = b.welcome.participants.find((p) => p.id === a.id);
      assert.equal(seen?.avatarUrl, 'https://example.com/a.png');
      a.c.send({ type: 'profile', profile: { name: 'Ada L.', metadata: { plan: 'pro' } } });
      const news = await b.c.next('participant-profile');
      assert.deepEqual(news, {
        type: 'participant-profile',
        participantId: a.id,
        name: 'Ada L.',
        avatarUrl: 'https://example.com/a.png',
        metadata: { plan: 'pro' },
      });
      const bad = [
        { metadata: { big: 'x'.repeat(300) } },
        { metadata: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])) },
        { metadata: { nested: { no: 1 } } },
        { avatarUrl: 'javascript:alert(1)' },
        { name: '' },
      ];
      for (const profile of bad) {
        const from = a.c.messages.length;
        a.c.send({ type: 'profile', profile });
        const err = await a.c.next('error', () => true, from);
        assert.equal(err.code, 'invalid-message', JSON.stringify(profile));
        assert.equal(err.ref, 'profile');
        assert.match(err.message, /metadata|avatar|names/);
      }
    });
  });
}
