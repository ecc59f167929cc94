/**
 * `waitForAck` in the embedded SFU: what the publisher sends before the subscriber's first message is held
 * and delivered in order right after it (the acknowledgement itself is consumed); without `waitForAck`
 * delivery is immediate. Pipes are in-memory recorders standing in for SCTP channels (named as such).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataMessage, DataPipe } from '../../src/sfu/engine/channel.ts';
import { DataPublication, DataSubscription, HELD_LIMITS } from '../../src/sfu/data.ts';

class RecordingPipe implements DataPipe {
  readonly id = 2;
  state: DataPipe['state'] = 'open';
  readonly sent: DataMessage[] = [];
  #listener: ((m: DataMessage) => void) | undefined;
  send(message: DataMessage): void {
    this.sent.push(message);
  }
  onMessage(listener: (m: DataMessage) => void): void {
    this.#listener = listener;
  }
  onOpen(): void {}
  close(): void {
    this.state = 'closed';
  }
  /** A message arriving from the far end. */
  receive(message: DataMessage): void {
    this.#listener?.(message);
  }
}

const subscribe = (publication: DataPublication, waitForAck: boolean) => {
  const pipe = new RecordingPipe();
  const sub = new DataSubscription(publication, pipe, {
    waitForAck,
    canReply: false,
    ackWaitMs: 30_000,
    onExpired: () => undefined,
  });
  return { pipe, sub };
};

void test('waitForAck holds what is sent before the ack and delivers it, in order, after it', () => {
  const publisherPipe = new RecordingPipe();
  const publication = new DataPublication('s1', 'chat', publisherPipe, { ordered: true });
  const held = subscribe(publication, true);
  const plain = subscribe(publication, false);
  publisherPipe.receive('one');
  publisherPipe.receive('two');
  assert.deepEqual(held.pipe.sent, []);
  assert.deepEqual(plain.pipe.sent, ['one', 'two']);
  held.pipe.receive('ready');
  assert.deepEqual(held.pipe.sent, ['one', 'two']);
  publisherPipe.receive('three');
  assert.deepEqual(held.pipe.sent, ['one', 'two', 'three']);
  // The acknowledgement never reached the publisher.
  assert.deepEqual(publisherPipe.sent, []);
  held.sub.close();
  plain.sub.close();
});

void test('held messages are bounded: the oldest go first', () => {
  const publisherPipe = new RecordingPipe();
  const publication = new DataPublication('s1', 'chat', publisherPipe, {});
  const held = subscribe(publication, true);
  for (let i = 0; i < HELD_LIMITS.messages + 10; i++) publisherPipe.receive(`m${i}`);
  held.pipe.receive('ready');
  assert.equal(held.pipe.sent.length, HELD_LIMITS.messages);
  assert.equal(held.pipe.sent[0], 'm10');
  held.sub.close();
});
