/** The publications registry (src/sfu/publications.ts): media pulls wait for a publication and its first
 * packet; data publications are found per app. Real `MediaSource`s, fake data pipes (named as such). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpHeader, RtpPacket } from 'werift';
import { MediaSource } from '../../src/sfu/engine/media.ts';
import type { DataPipe } from '../../src/sfu/engine/channel.ts';
import { DataPublication } from '../../src/sfu/data.ts';
import { CallsError } from '../../src/sfu/errors.ts';
import { Publications, type Publication } from '../../src/sfu/publications.ts';

function publication(sessionId: string, trackName: string, appId = 'app'): Publication {
  const source = new MediaSource('audio', () => undefined);
  return { appId, sessionId, trackName, kind: 'audio', source, publishedAt: Date.now() };
}

function packet(): RtpPacket {
  return new RtpPacket(
    new RtpHeader({ payloadType: 111, sequenceNumber: 1, timestamp: 1, ssrc: 5 }),
    Buffer.alloc(4),
  );
}

class FakePipe implements DataPipe {
  readonly id = 2;
  state: DataPipe['state'] = 'open';
  send(): void {}
  onMessage(): void {}
  onOpen(): void {}
  close(): void {
    this.state = 'closed';
  }
}

async function refused(p: Promise<unknown>, errorCode: string): Promise<void> {
  await assert.rejects(p, (e) => e instanceof CallsError && e.code === errorCode);
}

void test('a pull made before the publication waits for it and for its first packet', async () => {
  const registry = new Publications();
  const p = publication('s1', 'mic');
  const found = registry.find('app', 's1', 'mic', 5_000);
  registry.add(p);
  p.source.push('', packet(), Date.now());
  assert.equal(await found, p);
  assert.equal(registry.size, 1);
});

void test('not found: absent, another app, closed; empty: never sent within the wait', async () => {
  const registry = new Publications();
  await refused(registry.find('app', 's1', 'mic', 0), 'not_found_track_error');
  const p = publication('s1', 'mic', 'other-app');
  registry.add(p);
  await refused(registry.find('app', 's1', 'mic', 0), 'not_found_track_error');
  const mine = publication('s1', 'cam');
  registry.add(mine);
  await refused(registry.find('app', 's1', 'cam', 0), 'empty_track_error');
  mine.source.close();
  await refused(registry.find('app', 's1', 'cam', 0), 'not_found_track_error');
});

void test('remove forgets only the publication it is given', () => {
  const registry = new Publications();
  const first = publication('s1', 'mic');
  const second = publication('s1', 'mic');
  registry.add(first);
  registry.add(second);
  registry.remove(first);
  assert.equal(registry.get('s1', 'mic'), second);
  registry.remove(second);
  assert.equal(registry.get('s1', 'mic'), undefined);
  assert.equal(registry.size, 0);
});

void test('data publications are found by their own app while open, and removed by identity', () => {
  const registry = new Publications();
  const chat = new DataPublication('s1', 'chat', new FakePipe(), {});
  registry.addData('app', chat);
  assert.equal(registry.getData('app', 's1', 'chat'), chat);
  assert.equal(registry.getData('other-app', 's1', 'chat'), undefined);
  registry.removeData(new DataPublication('s1', 'chat', new FakePipe(), {}));
  assert.equal(registry.getData('app', 's1', 'chat'), chat, 'another publication of the name is not removed');
  chat.close();
  assert.equal(registry.getData('app', 's1', 'chat'), undefined, 'a closed one is not found');
  registry.removeData(chat);
  assert.equal(registry.getData('app', 's1', 'chat'), undefined);
});
