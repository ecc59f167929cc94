import { expect } from '@open-wc/testing';
import { Room, type RoomNotification } from '../../src/client/room.ts';
import { testEnv } from '../helpers/env.ts';
import { until } from '../helpers/wait.ts';

async function newRoom(room: string, name: string): Promise<{ model: Room; seen: RoomNotification[] }> {
  const env = await testEnv();
  const model = new Room({ endpoint: `${env.backendUrl}/api`, room, name });
  const seen: RoomNotification[] = [];
  model.subscribe((n) => seen.push(n));
  return { model, seen };
}

describe('Room model', function () {
  this.timeout(120_000);
  it('gives frozen snapshots, a new one per change, and typed notifications', async () => {
    const name = `model-${crypto.randomUUID().slice(0, 8)}`;
    const a = await newRoom(name, 'Ada');
    const b = await newRoom(name, 'Bob');
    expect(a.model.state.status).to.equal('idle');
    await Promise.all([a.model.join(), b.model.join()]);
    await until(
      () => a.model.state.participants.some((p) => !p.isLocal && p.camera && p.microphone),
      'Bob camera and microphone at Ada',
    );
    // A pulled track reaches the snapshot before its exchange is over; `track-subscribed` says it is.
    await until(
      () => a.seen.filter((n) => n.type === 'track-subscribed').length === 2,
      "Bob's two tracks subscribed at Ada",
    );
    const snapshot = a.model.state;
    expect(Object.isFrozen(snapshot)).to.equal(true);
    expect(Object.isFrozen(snapshot.participants)).to.equal(true);
    expect(Object.isFrozen(snapshot.participants[0])).to.equal(true);
    expect(snapshot.participants[0]?.isLocal).to.equal(true);
    expect(snapshot.tiles.map((t) => t.source)).to.deep.equal(['camera', 'camera']);

    await a.model.setMicrophoneEnabled(false);
    await until(() => a.model.state !== snapshot && !a.model.state.microphoneEnabled, 'a new snapshot');
    expect(snapshot.microphoneEnabled).to.equal(true);

    const types = new Set(a.seen.map((n) => n.type));
    for (const t of [
      'change',
      'joined',
      'participant-joined',
      'track-published',
      'track-subscribed',
      'connection-state-change',
    ]) {
      expect(types.has(t as RoomNotification['type']), t).to.equal(true);
    }
    // Chromium's fake microphone beeps: someone becomes the active speaker from audio levels.
    await until(
      () => b.seen.some((n) => n.type === 'active-speaker-change' && n.participantId),
      'an active speaker',
    );

    b.model.leave();
    await until(() => a.model.state.participants.length === 1, 'Bob gone');
    expect(a.seen.some((n) => n.type === 'participant-left' && n.reason === 'left')).to.equal(true);
    a.model.leave();
    expect(a.model.state.status).to.equal('left');
    expect(a.model.sfuSession?.peerConnection.connectionState).to.equal('closed');
  });
});
