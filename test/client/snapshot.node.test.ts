/** The pure snapshot: an idle state without a Room, and views built from parts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Participant } from '../../src/protocol/presence.ts';
import { tileKey, trackKey } from '../../src/protocol/keys.ts';
import { idleState, roomSnapshot, type SnapshotParts } from '../../src/client/snapshot.ts';
import { decodeClaims, roleOf } from '../../src/client/claims.ts';
import { participant } from './fakes.ts';

const person = (id: string, extra: Partial<Participant> = {}): Participant =>
  participant(id, { name: id, ...extra });

void describe('snapshot', () => {
  void it('idleState() is a frozen, empty, idle state', () => {
    const state = idleState();
    assert.equal(state.status, 'idle');
    assert.equal(state.connection, 'new');
    assert.deepEqual(state.participants, []);
    assert.equal(state.microphoneEnabled, false);
    assert.equal(state.canPublish, false);
    assert.equal(state.chatEnabled, false);
    assert.ok(Object.isFrozen(state));
  });

  void it('lists the local participant first, tiles for cameras and screens, local media from the publisher', () => {
    const parts: SnapshotParts = {
      ...idleParts(),
      status: 'joined',
      selfId: 'me',
      self: person('me'),
      others: [
        person('ada', {
          tracks: [{ sessionId: 's', trackName: 'screen-1', kind: 'video', source: 'screen' }],
        }),
        person('vic', { role: 'viewer' }),
      ],
      role: 'host',
      local: { microphoneOn: false, cameraOn: true, has: (s) => s === 'microphone', track: () => undefined },
      speaking: new Set(['ada']),
      quality: new Map([['ada', { quality: 'fair' as const, reason: 'loss' as const }]]),
    };
    const state = roomSnapshot(parts);
    assert.deepEqual(
      state.participants.map((p) => p.id),
      ['me', 'ada', 'vic'],
    );
    assert.deepEqual(
      state.tiles.map((t) => t.key),
      ['me:camera', 'ada:camera', 'ada:screen'],
    );
    assert.equal(state.participants[0]!.state.muted, true);
    assert.equal(state.participants[1]!.speaking, true);
    assert.equal(state.participants[1]!.quality, 'fair');
    assert.equal(state.participants[1]!.qualityReason, 'loss');
    assert.equal(state.participants[0]!.quality, 'unknown');
    assert.equal(state.microphoneEnabled, false);
    assert.equal(state.canPublish, true);
    assert.equal(state.chatEnabled, true);
  });
});

void describe('keys and claims', () => {
  void it('tile keys fold the microphone into the camera tile; track keys are sessionId/trackName', () => {
    assert.equal(tileKey('p', 'microphone'), 'p:camera');
    assert.equal(tileKey('p', 'screen'), 'p:screen');
    assert.equal(trackKey({ sessionId: 's', trackName: 't' }), 's/t');
  });

  void it('reads the role of a token, guest when unreadable', () => {
    const jwt = (claims: object) => `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.y`;
    assert.equal(roleOf(jwt({ role: 'viewer' })), 'viewer');
    assert.equal(roleOf(jwt({ role: 'admin' })), 'guest');
    assert.equal(roleOf('garbage'), 'guest');
    assert.equal(decodeClaims(jwt({ sub: 'u', name: 'Ada' })).name, 'Ada');
  });
});

function idleParts(): SnapshotParts {
  return {
    status: 'idle',
    connection: 'new',
    room: 'r',
    selfId: undefined,
    self: undefined,
    control: { locked: false, lobby: false, waiting: [], hands: [] },
    others: [],
    role: undefined,
    chatOption: true,
    local: { microphoneOn: true, cameraOn: true, has: () => false, track: () => undefined },
    remoteTrack: () => undefined,
    speaking: new Set(),
    quality: new Map(),
    activeSpeakerId: undefined,
    messages: [],
    devices: [],
    selectedDevices: {},
    error: undefined,
  };
}
