/** PresenceHost with fake sockets and a fake clock: join timeout, slow consumers, replaced connections. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerMessage } from '../../src/protocol/presence.ts';
import { PresenceHost, type PresenceSocket } from '../../src/server/presence-host.ts';
import { FakeClock, TOKEN_SECRET, token } from './helpers.ts';

class FakeSocket implements PresenceSocket {
  sent: ServerMessage[] = [];
  closedWith: { code: number; reason: string } | undefined;
  buffered = 0;
  send(text: string): void {
    this.sent.push(JSON.parse(text) as ServerMessage);
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
  bufferedAmount(): number {
    return this.buffered;
  }
}

const setup = () => {
  const clock = new FakeClock();
  const host = new PresenceHost({
    room: 'r',
    tokenSecret: TOKEN_SECRET,
    sizeLimit: 10,
    resumeGraceMs: 5000,
    now: clock.now,
  });
  const join = async (sub: string, resumeToken?: string) => {
    const socket = new FakeSocket();
    const conn = host.open(socket);
    await host.receive(
      conn,
      JSON.stringify({ type: 'join', token: await token('r', sub), ...(resumeToken ? { resumeToken } : {}) }),
    );
    const welcome = socket.sent.find((m) => m.type === 'welcome');
    assert.ok(welcome?.type === 'welcome');
    return { socket, conn, welcome };
  };
  return { clock, host, join };
};

void test('a socket that never joins is closed after the join timeout', () => {
  const { clock, host } = setup();
  const socket = new FakeSocket();
  host.open(socket);
  clock.advance(9_000);
  host.tick();
  // Read through a function: the first assertion would otherwise narrow the field to undefined for tsc.
  const closed = () => socket.closedWith;
  assert.equal(closed(), undefined);
  clock.advance(2_000);
  host.tick();
  assert.equal(closed()?.code, 4001);
  assert.equal(host.connectionCount, 0);
});

void test('a consumer that stops reading is dropped (and may resume); the others are unaffected', async () => {
  const { host, join } = setup();
  const a = await join('a');
  const slow = await join('slow');
  const c = await join('c');
  slow.socket.buffered = 5 * 1024 * 1024;
  await host.receive(a.conn, JSON.stringify({ type: 'state', state: { muted: true } }));
  assert.equal(slow.socket.closedWith?.code, 1008);
  const seen = c.socket.sent.filter((m) => m.type === 'participant-state');
  const pairs = new Set(
    seen.map((m) => m.type === 'participant-state' && `${m.participantId}:${m.connected}`),
  );
  assert.deepEqual(
    pairs,
    new Set([`${a.welcome.participantId}:true`, `${slow.welcome.participantId}:false`]),
  );
  const back = await join('slow', slow.welcome.resumeToken);
  assert.equal(back.welcome.resumed, true);
  assert.equal(back.welcome.participantId, slow.welcome.participantId);
});

void test('resuming while the old socket still looks open replaces it quietly', async () => {
  const { host, join } = setup();
  const a = await join('a');
  const b = await join('b');
  const a2 = await join('a', a.welcome.resumeToken);
  assert.equal(a.socket.closedWith?.code, 4010);
  assert.equal(a2.welcome.participantId, a.welcome.participantId);
  host.closed(a.conn); // the old socket's close event arrives late: nothing changes
  assert.equal(
    b.socket.sent.filter((m) => m.type === 'participant-state' || m.type === 'participant-left').length,
    0,
  );
  assert.equal(host.room.participant(a.welcome.participantId)?.connected, true);
});
