/**
 * The Room above fakes of the session, presence and media (test/client/fakes.ts): reconcile, layer choice,
 * replacement and the bugs found while splitting it, without a browser or an SFU.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Room, type RoomNotification, type RoomOptions } from '../../src/client/room.ts';
import type { PublishedTrack } from '../../src/protocol/presence.ts';
import { FakeSession, fakeDependencies, noFetch, participant, token, until, welcome } from './fakes.ts';

const camera = (sessionId: string, simulcast = false): PublishedTrack => ({
  sessionId,
  trackName: 'camera-1',
  kind: 'video',
  source: 'camera',
  ...(simulcast
    ? {
        simulcast: [
          { rid: 'f', height: 720 },
          { rid: 'h', height: 360 },
          { rid: 'q', height: 180 },
        ],
      }
    : {}),
});
const microphone = (sessionId: string): PublishedTrack => ({
  sessionId,
  trackName: 'microphone-1',
  kind: 'audio',
  source: 'microphone',
});

function options(extra: Partial<RoomOptions> = {}): RoomOptions {
  return {
    endpoint: 'http://backend.test/api',
    token: token(),
    room: 'r',
    name: 'Me',
    fetch: noFetch,
    ...extra,
  };
}

async function joined(
  others = [participant('ada', { tracks: [camera('s-ada'), microphone('s-ada')] })],
  extra = {},
) {
  const fakes = fakeDependencies(welcome('me', others));
  const room = new Room(options(extra), fakes.deps);
  const notes: RoomNotification[] = [];
  room.subscribe((n) => notes.push(n));
  await room.join();
  const session = fakes.sessions[0]!;
  const presence = fakes.presences[0]!;
  return { room, fakes, session, presence, notes };
}

void describe('Room over fakes', () => {
  void it('joins, publishes the initial media and chat, and pulls what others publish, once each', async () => {
    const { room, session, presence } = await joined();
    await until(() => session.pulls.size === 2);
    assert.deepEqual(session.pullLog.sort(), ['s-ada/camera-1', 's-ada/microphone-1']);
    assert.equal(session.published.size, 2, 'microphone and camera');
    assert.equal(session.chatOut.length, 1);
    assert.ok(presence.sent.some((m) => m.type === 'publish' && m.tracks.length === 2));
    assert.ok(presence.sent.some((m) => m.type === 'session'));
    // More presence traffic reconciles again, and pulls nothing twice.
    presence.deliver({ type: 'participant-joined', participant: participant('bob') });
    await until(() => room.state.participants.length === 3);
    assert.equal(session.pullLog.length, 2);
    assert.equal(room.state.participants.find((p) => p.id === 'ada')?.camera !== undefined, true);
    room.leave();
  });

  void it('closes the pulls of a participant who leaves', async () => {
    const { room, session, presence, notes } = await joined();
    await until(() => session.pulls.size === 2);
    room.setVideoPreference('ada:camera', { visible: true, height: 200 });
    presence.deliver({ type: 'participant-left', participantId: 'ada', reason: 'left' });
    await until(() => session.pulls.size === 0);
    assert.equal(session.closed.length, 2);
    assert.ok(
      notes.some((n) => n.type === 'participant-left' && n.participant.id === 'ada' && n.reason === 'left'),
    );
    room.leave();
  });

  void it('an invisible tile closes its video; the tile size picks the simulcast layer and later switches it', async () => {
    const fakes = fakeDependencies(welcome('me', [participant('ada', { tracks: [camera('s-ada', true)] })]));
    const room = new Room(options(), fakes.deps);
    room.setVideoPreference('ada:camera', { visible: true, height: 170 });
    await room.join();
    const session = fakes.sessions[0]!;
    await until(() => room.requestedLayer('ada:camera') === 'q');
    assert.equal(session.pullOf('camera-1')?.rid, 'q');
    room.setVideoPreference('ada:camera', { visible: true, height: 700 });
    await until(() => session.pullOf('camera-1')?.rid === 'f');
    assert.equal(room.requestedLayer('ada:camera'), 'f');
    room.setVideoPreference('ada:camera', { visible: false, height: 700 });
    await until(() => session.pulls.size === 0);
    assert.equal(room.requestedLayer('ada:camera'), undefined);
    room.leave();
  });

  void it('replaces a lost session: retries under the policy, republishes, re-pulls, and says so', async () => {
    const { room, fakes, session, presence, notes } = await joined();
    await until(() => session.pulls.size === 2 && room.state.cameraEnabled);
    fakes.failSessions(1);
    session.lose();
    await until(() => notes.some((n) => n.type === 'session-replaced'));
    const next = fakes.sessions[1]!;
    assert.notEqual(next, session);
    await until(() => next.pulls.size === 2);
    assert.equal(next.published.size, 2, 'microphone and camera again');
    assert.equal(room.sfuSession, next);
    assert.ok(presence.sent.some((m) => m.type === 'unpublish' && m.trackNames.length === 2));
    assert.equal(room.state.connection, 'connected');
    room.leave();
  });

  void it('gives up when the policy says so: the room fails and is left', async () => {
    const { room, fakes, session, notes } = await joined([]);
    fakes.failSessions(10);
    session.lose();
    await until(() => room.state.status === 'left');
    assert.ok(notes.some((n) => n.type === 'error' && n.error.fatal && n.error.code === 'sfu-failed'));
    assert.ok(notes.some((n) => n.type === 'left' && n.reason === 'disconnected'));
  });

  void it('chat: a stale announced session (its channel not found) is no error; its new one is pulled', async () => {
    FakeSession.gone.add('s-ada-lost');
    const ada = participant('ada', { session: { sessionId: 's-ada-lost', chat: true } });
    const { room, presence, notes } = await joined([ada]);
    try {
      assert.equal(room.chatReady('ada'), false);
      presence.deliver({
        type: 'participant-session',
        participantId: 'ada',
        session: { sessionId: 's-ada-new', chat: true },
      });
      await until(() => room.chatReady('ada'));
      assert.deepEqual(
        notes.filter((n) => n.type === 'error'),
        [],
      );
    } finally {
      room.leave();
    }
  });

  void it('chat: sends ours, receives theirs from the announced session, drops what is not chat', async () => {
    const ada = participant('ada', { session: { sessionId: 's-ada', chat: true } });
    const { room, session } = await joined([ada]);
    await until(() => room.chatReady('ada'));
    room.send('hello');
    assert.equal((JSON.parse(session.chatOut[0]!.sent[0]!) as { text: string }).text, 'hello');
    const incoming = session.chatIn.get('s-ada')!;
    incoming.receive(JSON.stringify({ id: 'm1', at: 1, text: 'hi' }));
    incoming.receive('not json');
    incoming.receive(JSON.stringify({ text: 'x'.repeat(20_000) }));
    await until(() => room.state.messages.length === 2);
    assert.deepEqual(
      room.state.messages.map((m) => [m.from, m.text, m.isLocal]),
      [
        ['me', 'hello', true],
        ['ada', 'hi', false],
      ],
    );
    room.leave();
  });

  void it('a track announced again by a new participant (a backend restart) keeps its pull and changes hands', async () => {
    const { room, session, presence, notes } = await joined();
    await until(() => session.pulls.size === 2);
    const ada2 = participant('ada2', { tracks: [camera('s-ada'), microphone('s-ada')] });
    presence.deliver({ ...welcome('me2', [ada2]), participantId: 'me2' });
    await until(() => room.state.participants.some((p) => p.id === 'ada2' && p.camera !== undefined));
    assert.equal(session.pullLog.length, 2, 'nothing pulled twice');
    assert.equal(session.closed.length, 0, 'nothing closed');
    assert.ok(notes.some((n) => n.type === 'participant-joined' && n.participant.id === 'ada2'));
    // A new participant for us too: what this session publishes is announced again.
    assert.equal(presence.sent.filter((m) => m.type === 'publish').length, 2);
    room.leave();
  });

  void it('a device switch replaces the track in place and keeps the microphone muted', async () => {
    const { room, fakes } = await joined([], { muted: false });
    await until(() => room.state.microphoneEnabled);
    await room.setMicrophoneEnabled(false);
    const before = room.state.participants[0]!.microphone!;
    await room.selectDevice('audioinput', 'usb-mic');
    const after = room.state.participants[0]!.microphone!;
    assert.notEqual(after, before);
    assert.equal(after.enabled, false);
    assert.equal(before.readyState, 'ended');
    assert.deepEqual(room.state.selectedDevices, { audioinput: 'usb-mic' });
    assert.ok(fakes.media.requests.some((c) => JSON.stringify(c.audio).includes('usb-mic')));
    room.leave();
  });

  void it('does not change the options object it was given (setCameraLimits)', async () => {
    const given = options({ maxBitrate: 500_000 });
    const copy = { ...given };
    const fakes = fakeDependencies(welcome('me'));
    const room = new Room(given, fakes.deps);
    await room.join();
    await room.setCameraLimits(900_000, 15);
    assert.deepEqual(given, copy);
    room.leave();
  });

  void it('the microphone state has one owner: track, snapshot and presence agree', async () => {
    const { room, presence } = await joined([]);
    await until(() => room.state.microphoneEnabled);
    await room.setMicrophoneEnabled(false);
    await until(() => !room.state.microphoneEnabled);
    assert.equal(room.state.participants[0]!.state.muted, true);
    assert.ok(presence.sent.some((m) => m.type === 'state' && m.state.muted === true));
    room.leave();
  });

  void it('a viewer publishes nothing and asks for no media', async () => {
    const { room, fakes, session } = await joined([], { token: token('viewer') });
    assert.equal(fakes.media.requests.length, 0);
    assert.equal(session.published.size, 0);
    assert.equal(room.state.canPublish, false);
    room.leave();
  });
});
