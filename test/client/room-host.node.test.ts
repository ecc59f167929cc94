/**
 * The Room's issue-13 parts above fakes: the lobby wait (no session until admitted, then one), host-only and
 * bad-input refusals, hands and lock news, reactions in and out with their limits, participant updates, and
 * chat pulled with waitForAck.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Room, RoomError, type RoomNotification } from '../../src/client/room.ts';
import { fakeDependencies, noFetch, participant, token, until, welcome } from './fakes.ts';

const options = {
  endpoint: 'http://backend.test/api',
  token: token(),
  room: 'r',
  name: 'Me',
  fetch: noFetch,
};

async function joined(others = [participant('ada', { session: { sessionId: 's-ada', chat: true } })]) {
  const fakes = fakeDependencies(welcome('me', others));
  const room = new Room(options, fakes.deps);
  const notes: RoomNotification[] = [];
  room.subscribe((n) => notes.push(n));
  await room.join();
  return { room, fakes, notes, session: fakes.sessions[0]!, presence: fakes.presences[0]! };
}

const code = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    return e instanceof RoomError ? e.code : String(e);
  }
  return 'no error';
};

void describe('Room: lobby, host actions, hands, reactions, updates', () => {
  void it('waits in the lobby without a session, then makes one once admitted', async () => {
    const fakes = fakeDependencies(welcome('me', []));
    let admit!: () => void;
    const lobby = new Promise<void>((r) => (admit = r));
    const create = fakes.deps.createPresence!;
    fakes.deps.createPresence = (o) => Object.assign(create(o), { lobby });
    // The proxy refuses the session asked for while waiting.
    fakes.failSessions(1);
    const room = new Room(options, fakes.deps);
    const joining = room.join();
    await until(() => room.state.status === 'waiting');
    assert.equal(fakes.sessions.length, 0);
    assert.equal(room.state.connection, 'connecting');
    admit();
    await joining;
    assert.equal(room.state.status, 'joined');
    assert.equal(fakes.sessions.length, 1);
    room.leave();
  });

  void it('refuses host actions to guests and bad input with stable codes', async () => {
    const { room, presence } = await joined();
    assert.equal(
      code(() => room.controls.muteAll()),
      'host-only',
    );
    assert.equal(
      code(() => room.controls.setRoomSettings({ locked: true })),
      'host-only',
    );
    assert.equal(
      code(() => room.controls.endMeeting()),
      'host-only',
    );
    assert.equal(
      code(() => room.controls.admit('x', true)),
      'host-only',
    );
    assert.equal(
      code(() => room.controls.setName('')),
      'invalid-input',
    );
    assert.equal(
      code(() => room.controls.setProfile({ avatarUrl: 'javascript:alert(1)' })),
      'invalid-input',
    );
    assert.equal(
      code(() => room.controls.setProfile({ metadata: { a: 'x'.repeat(300) } })),
      'invalid-input',
    );
    assert.equal(
      code(() => room.controls.react('🤡')),
      'invalid-input',
    );
    assert.ok(
      !presence.sent.some((m) => ['mute-all', 'room-settings', 'end-meeting', 'admit'].includes(m.type)),
    );
    room.controls.setName(' Ada L. ');
    room.controls.setProfile({ metadata: { order: 1 } });
    assert.deepEqual(
      presence.sent.filter((m) => m.type === 'profile'),
      [
        { type: 'profile', profile: { name: 'Ada L.' } },
        { type: 'profile', profile: { metadata: { order: 1 } } },
      ],
    );
    room.leave();
  });

  void it('hands, lock and knocks from presence become state and notifications', async () => {
    const { room, presence, notes } = await joined();
    presence.deliver({ type: 'hands', order: ['ada', 'me'] });
    presence.deliver({ type: 'room-settings-changed', settings: { locked: true, lobby: false } });
    presence.deliver({ type: 'room-settings-changed', settings: { locked: true, lobby: true } });
    const w = { id: 'w1', name: 'Wes', role: 'guest' as const, since: 1 };
    presence.deliver({ type: 'lobby', waiting: [w] });
    presence.deliver({ type: 'lobby', waiting: [w] });
    await until(() => room.state.hands.length === 2);
    assert.deepEqual(room.state.hands, ['ada', 'me']);
    assert.equal(room.state.participants.find((p) => p.id === 'ada')?.state.handRaised, true);
    assert.equal(room.state.participants.find((p) => p.isLocal)?.state.handRaised, true);
    assert.deepEqual(
      notes.filter((n) => n.type === 'hand-raised').map((n) => n.type === 'hand-raised' && n.position),
      [1, 2],
    );
    assert.equal(notes.filter((n) => n.type === 'locked-change').length, 1, 'on real transitions only');
    assert.equal(notes.filter((n) => n.type === 'knock').length, 1, 'once per waiting participant');
    assert.equal(room.state.lobby, true);
    assert.deepEqual(room.state.waiting, [w]);
    await until(() =>
      notes.some(
        (n) => n.type === 'participant-updated' && n.changes.includes('hand') && n.participant.id === 'ada',
      ),
    );
    room.leave();
  });

  void it('reactions: ours go out on the unordered channel; theirs come in limited per sender', async () => {
    const { room, session, notes } = await joined();
    await until(() => session.channelsOut.has('reactions') && session.channelsIn.has('s-ada/reactions'));
    room.controls.react('👍');
    assert.deepEqual(session.channelsOut.get('reactions')!.sent, [JSON.stringify({ emoji: '👍' })]);
    const incoming = session.channelsIn.get('s-ada/reactions')!;
    assert.equal(incoming.waitForAck, false);
    for (let i = 0; i < 20; i++) incoming.channel.receive(JSON.stringify({ emoji: '🎉' }));
    incoming.channel.receive(JSON.stringify({ emoji: '<img src=x>' }));
    const theirs = notes.filter((n) => n.type === 'reaction' && n.participantId === 'ada');
    assert.equal(theirs.length, 5, 'the burst, then the rate');
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) codes.push(code(() => room.controls.react('👏')));
    assert.ok(codes.includes('rate-limited'));
    room.leave();
  });

  void it('pulls chat with waitForAck and acknowledges once the channel is open; join waits for the pulls', async () => {
    const { room, session } = await joined();
    // Already there when join() resolved.
    const chat = session.channelsIn.get('s-ada/chat');
    assert.ok(chat);
    assert.equal(chat.waitForAck, true);
    assert.deepEqual(chat.channel.sent, ['ready']);
    room.leave();
  });

  void it('participant updates: what changed, for the others and for us', async () => {
    const { room, presence, notes } = await joined();
    presence.deliver({
      type: 'participant-profile',
      participantId: 'ada',
      name: 'Ada L.',
      metadata: { plan: 'pro' },
    });
    presence.deliver({
      type: 'participant-state',
      participantId: 'ada',
      state: { muted: true, cameraOff: false, speaking: false, handRaised: false },
      connected: true,
    });
    await until(() => notes.filter((n) => n.type === 'participant-updated').length >= 1);
    const changes = notes.flatMap((n) => (n.type === 'participant-updated' ? n.changes : []));
    assert.ok(changes.includes('name') && changes.includes('metadata') && changes.includes('microphone'));
    await room.setMicrophoneEnabled(false);
    await until(() =>
      notes.some(
        (n) => n.type === 'participant-updated' && n.participant.isLocal && n.changes.includes('microphone'),
      ),
    );
    room.leave();
  });
});
