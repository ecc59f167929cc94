/**
 * The send path's transport: keys taken from the connected DTLS session (again after a new one), one
 * transport-wide sequence for every stream of the peer, datagrams written to the nominated pair's own UDP
 * socket. The DTLS transport is werift's shape filled by hand; the sockets are real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { SrtpTransport, type WeriftDtlsTransport } from '../../src/sfu/engine/srtp-transport.ts';
import { SRTP_AEAD_AES_128_GCM } from '../../src/sfu/engine/srtp-protect.ts';

function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

function session() {
  return {
    srtp: { srtpProfile: SRTP_AEAD_AES_128_GCM },
    extractSessionKeys: () => ({ localKey: randomBytes(16), localSalt: randomBytes(12) }),
  };
}

void test('keys from the connected session, one transport-wide sequence, datagrams on the pair socket', async () => {
  const local = await bound();
  const remote = await bound();
  const dtls: WeriftDtlsTransport = {
    state: 'connecting',
    transportSequenceNumber: 0xfffe,
    dtls: session(),
    iceTransport: {
      connection: {
        state: 'connected',
        nominated: {
          remoteAddr: ['127.0.0.1', remote.address().port],
          protocol: { type: 'stun', transport: { socket: local } },
        },
        send: () => Promise.reject(new Error('not the path for a UDP pair')),
      },
    },
    sendRtcp: () => Promise.resolve(),
  };
  const transport = new SrtpTransport(() => dtls);
  try {
    assert.equal(transport.srtp, undefined, 'no protection before DTLS is connected');
    dtls.state = 'connected';
    assert.ok(transport.srtp);
    assert.equal(transport.keyEpoch, 1);
    assert.deepEqual(
      [transport.nextTransportSeq(), transport.nextTransportSeq(), transport.nextTransportSeq()],
      [0xffff, 0, 1],
      'wraps at 16 bits',
    );
    const arrived = new Promise<Buffer>((resolve) => remote.once('message', resolve));
    transport.send([Buffer.from('ab'), Buffer.from('cd')]);
    assert.equal((await arrived).toString(), 'abcd', 'the parts as one datagram');
    dtls.dtls = session();
    assert.ok(transport.srtp);
    assert.equal(transport.keyEpoch, 2, 'a new DTLS session brings new keys');
    transport.close();
    assert.equal(transport.srtp, undefined, 'nothing after close');
  } finally {
    local.close();
    remote.close();
  }
});
