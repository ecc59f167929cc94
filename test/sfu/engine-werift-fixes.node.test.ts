/** werift workarounds (src/sfu/engine/werift-fixes.ts), each on a fake of the part it patches or a real
 * werift peer connection where that is cheap. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RTCPeerConnection } from 'werift';
import {
  answerAsDtlsServer,
  bindEachAddress,
  disableReceiverTwcc,
  keepSimulcast,
  nativeX25519,
  weriftNacl,
  type WeriftGathering,
} from '../../src/sfu/engine/werift-fixes.ts';

/** A fake of werift's ICE connection gathering: records the bind address each socket would get. */
class FakeGathering implements WeriftGathering {
  options: WeriftGathering['options'] = { interfaceAddresses: undefined };
  readonly binds: unknown[] = [];
  getCandidatePromises(addresses: string[]): Promise<unknown>[] {
    return addresses.map((a) => {
      this.binds.push({ address: a, bind: this.options.interfaceAddresses });
      return Promise.resolve(a);
    });
  }
}

void test('bindEachAddress gathers one address at a time, each socket bound to its own address', async () => {
  const c = new FakeGathering();
  bindEachAddress(c);
  bindEachAddress(c); // once per connection
  const out = await Promise.all(c.getCandidatePromises(['10.0.0.5', '::1']));
  assert.deepEqual(out, ['10.0.0.5', '::1']);
  assert.deepEqual(c.binds, [
    { address: '10.0.0.5', bind: { udp4: '10.0.0.5' } },
    { address: '::1', bind: { udp6: '::1' } },
  ]);
  assert.equal(c.options.interfaceAddresses, undefined, 'the shared option is restored');
});

void test('keepSimulcast writes the offered layers into the transceiver once, as recv', async () => {
  const pc = new RTCPeerConnection();
  try {
    const t = pc.addTransceiver('video', { direction: 'recvonly' });
    t.mid = '1';
    keepSimulcast(pc, [
      { mid: '1', kind: 'video', direction: 'sendonly', rejected: false, rids: ['h', 'l'] },
    ]);
    assert.deepEqual(t.options.simulcast, [
      { rid: 'h', direction: 'recv' },
      { rid: 'l', direction: 'recv' },
    ]);
    keepSimulcast(pc, [{ mid: '1', kind: 'video', direction: 'sendonly', rejected: false, rids: ['x'] }]);
    assert.equal(t.options.simulcast?.length, 2, 'kept, not replaced');
  } finally {
    await pc.close();
  }
});

void test("disableReceiverTwcc switches off werift's per-receiver TWCC on every new transceiver", async () => {
  const pc = new RTCPeerConnection();
  try {
    disableReceiverTwcc(pc);
    const t = pc.addTransceiver('video', { direction: 'recvonly' });
    const receiver = t.receiver as unknown as { setupTWCC(ssrc: number): unknown; twccEnabled: unknown };
    assert.equal(receiver.setupTWCC(1), undefined);
    assert.equal(receiver.twccEnabled, undefined);
  } finally {
    await pc.close();
  }
});

void test('answerAsDtlsServer leaves a chosen DTLS role alone and answers passive otherwise', () => {
  const transports = [{ role: 'auto' }, { role: 'client' }];
  answerAsDtlsServer({ dtlsTransports: transports } as unknown as RTCPeerConnection);
  assert.deepEqual(transports, [{ role: 'server' }, { role: 'client' }]);
});

void test("nativeX25519: werift's tweetnacl gives the same X25519 keys and secrets, natively", () => {
  const nacl = weriftNacl() as ReturnType<typeof weriftNacl> & {
    scalarMult: { base: (n: Uint8Array) => Uint8Array };
  };
  const js = { keyPair: nacl.box.keyPair, scalarMult: nacl.scalarMult, base: nacl.scalarMult.base };
  nativeX25519(nacl);
  assert.notEqual(nacl.box.keyPair, js.keyPair);
  assert.notEqual(nacl.scalarMult, js.scalarMult);
  for (let i = 0; i < 20; i++) {
    const ours = nacl.box.keyPair();
    const theirs = js.keyPair();
    // werift reads keys through `.buffer`: each must own exactly its 32 bytes.
    assert.equal(ours.publicKey.buffer.byteLength, 32);
    assert.equal(ours.secretKey.buffer.byteLength, 32);
    assert.deepEqual(ours.publicKey, js.base(ours.secretKey), 'the public key belongs to the secret key');
    const shared = nacl.scalarMult(ours.secretKey, theirs.publicKey);
    assert.deepEqual(shared, js.scalarMult(theirs.secretKey, ours.publicKey));
    assert.deepEqual(shared, js.scalarMult(ours.secretKey, theirs.publicKey));
  }
  // A small-order point gives zeros, as tweetnacl does; wrong sizes throw, as tweetnacl does.
  assert.deepEqual(nacl.scalarMult(nacl.box.keyPair().secretKey, new Uint8Array(32)), new Uint8Array(32));
  assert.throws(() => nacl.scalarMult(new Uint8Array(31), new Uint8Array(32)), /bad n size/);
});
