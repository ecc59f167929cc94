/**
 * One session's data channels (src/sfu/session-channels.ts) over a fake negotiation whose fake peer opens
 * fake pipes (named as such): publishing, subscribing across sessions of one app, closing, state. The real
 * SCTP path is covered by test/sfu/datachannels.browser.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS } from '../../src/sfu/config.ts';
import type { DataChannelOptions, DataMessage, DataPipe } from '../../src/sfu/engine/channel.ts';
import type { Negotiation } from '../../src/sfu/negotiation.ts';
import { Publications } from '../../src/sfu/publications.ts';
import { SessionChannels } from '../../src/sfu/session-channels.ts';

class FakePipe implements DataPipe {
  state: DataPipe['state'] = 'open';
  readonly sent: DataMessage[] = [];
  private readonly listeners: ((m: DataMessage) => void)[] = [];
  constructor(readonly id: number) {}
  send(message: DataMessage): void {
    this.sent.push(message);
  }
  onMessage(listener: (m: DataMessage) => void): void {
    this.listeners.push(listener);
  }
  onOpen(): void {}
  close(): void {
    this.state = 'closed';
  }
  /** A message from the client on this channel. */
  receive(message: DataMessage): void {
    for (const l of this.listeners) l(message);
  }
}

class FakePeer {
  readonly pipes: FakePipe[] = [];
  openChannel(options: DataChannelOptions): FakePipe {
    const pipe = new FakePipe(options.id);
    this.pipes.push(pipe);
    return pipe;
  }
}

/** A negotiation whose transport is up and carries SCTP. */
function fakeNegotiation(peer: FakePeer): Negotiation {
  return {
    peer,
    hasDataTransport: true,
    noPendingOffer: () => undefined,
    connected: () => Promise.resolve(),
  } as unknown as Negotiation;
}

function channels(registry: Publications, sessionId: string, appId = 'app') {
  const peer = new FakePeer();
  return {
    peer,
    channels: new SessionChannels(appId, sessionId, DEFAULT_LIMITS, fakeNegotiation(peer), registry),
  };
}

void test('a published channel fans out to a subscriber of the same app; another app does not find it', async () => {
  const registry = new Publications();
  const pub = channels(registry, 's1');
  const published = await pub.channels.open({
    dataChannels: [{ location: 'local', dataChannelName: 'chat' }],
  });
  assert.deepEqual(published.dataChannels, [{ location: 'local', dataChannelName: 'chat', id: 2 }]);
  const again = await pub.channels.open({ dataChannels: [{ location: 'local', dataChannelName: 'chat' }] });
  assert.equal(again.dataChannels?.[0]?.errorCode, 'repeated_local_track_error');
  assert.equal(again.dataChannels?.[0]?.id, 2);

  const sub = channels(registry, 's2');
  const subscribed = await sub.channels.open({
    dataChannels: [{ location: 'remote', sessionId: 's1', dataChannelName: 'chat' }],
  });
  assert.deepEqual(subscribed.dataChannels, [
    { location: 'remote', sessionId: 's1', dataChannelName: 'chat', id: 2 },
  ]);
  pub.peer.pipes[0]!.receive('hello');
  assert.deepEqual(sub.peer.pipes[0]!.sent, ['hello']);

  const stranger = channels(registry, 's3', 'other-app');
  const refused = await stranger.channels.open({
    dataChannels: [{ location: 'remote', sessionId: 's1', dataChannelName: 'chat' }],
  });
  assert.equal(refused.dataChannels?.[0]?.errorCode, 'not_found_track_error');
});

void test('close ends a publication for its subscribers and frees the name; state follows', async () => {
  const registry = new Publications();
  const pub = channels(registry, 's1');
  await pub.channels.open({ dataChannels: [{ location: 'local', dataChannelName: 'chat' }] });
  const sub = channels(registry, 's2');
  await sub.channels.open({
    dataChannels: [{ location: 'remote', sessionId: 's1', dataChannelName: 'chat' }],
  });
  assert.deepEqual(
    sub.channels.states().map((c) => c.status),
    ['active'],
  );
  assert.deepEqual(pub.channels.close({ dataChannels: [{ id: 2 }] }).dataChannels, [
    { location: 'local', dataChannelName: 'chat', id: 2 },
  ]);
  assert.equal(
    pub.channels.close({ dataChannels: [{ id: 2 }] }).dataChannels?.[0]?.errorCode,
    'close_track_error',
  );
  assert.equal(sub.peer.pipes[0]!.state, 'closed', 'the subscription closed with its publication');
  assert.equal(registry.getData('app', 's1', 'chat'), undefined);
  assert.deepEqual(
    pub.channels.states().map((c) => c.status),
    ['inactive'],
  );
});

void test('one request is all local or all remote, within the batch limit', async () => {
  const { channels: c } = channels(new Publications(), 's1');
  await assert.rejects(
    c.open({
      dataChannels: [
        { location: 'local', dataChannelName: 'a' },
        { location: 'remote', sessionId: 's2', dataChannelName: 'b' },
      ],
    }),
    /must be local, or all remote/,
  );
  const many = Array.from({ length: DEFAULT_LIMITS.maxTracksPerCall + 1 }, (_, i) => ({
    location: 'local' as const,
    dataChannelName: `c${i}`,
  }));
  await assert.rejects(c.open({ dataChannels: many }), /at most/);
});
