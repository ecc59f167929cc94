/**
 * What the SFU announces by default (every interface address, IPv4 first, then IPv6, 127.0.0.1 last), what
 * `SFU_ANNOUNCED_IP` and `SFU_HOST` change, and that every announced candidate works on its own: a client
 * bound to another address of the machine and given only that one candidate connects through it (a socket
 * bound to the wildcard address answers such a check from the client's own address, as the kernel picks
 * the source, and clients drop a response from an address they did not check).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NetworkInterfaceInfo } from 'node:os';
import {
  announcedAddresses,
  detectAddresses,
  mediaAddresses,
  parseAnnouncedIps,
} from '../../src/sfu/addresses.ts';
import { sfuOptionsFromEnv } from '../../src/sfu/env.ts';
import { isIPv4 } from 'node:net';
import { RTCPeerConnection } from 'werift';
import { OP, TestSfu, closeAfterAll, connected, itRetrying } from './node-harness.ts';

function nic(address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
  const base = { address, netmask: '', mac: '00:00:00:00:00:00', internal, cidr: null };
  return family === 'IPv4' ? { ...base, family } : { ...base, family, scopeid: 0 };
}

const MACHINE = {
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  eth0: [nic('fd00::2', 'IPv6'), nic('fe80::1', 'IPv6'), nic('192.168.1.20', 'IPv4')],
  wlan0: [nic('10.0.0.5', 'IPv4'), nic('2001:db8::5', 'IPv6')],
};

void describe('announced addresses', () => {
  void it('by default: every non-internal address, IPv4 first, then IPv6 without link-local, 127.0.0.1 last', () => {
    assert.deepEqual(detectAddresses(MACHINE), [
      '192.168.1.20',
      '10.0.0.5',
      'fd00::2',
      '2001:db8::5',
      '127.0.0.1',
    ]);
    assert.deepEqual(detectAddresses({ lo: MACHINE.lo }), ['127.0.0.1']);
  });

  void it('SFU_ANNOUNCED_IP replaces them; an explicit unicast SFU_HOST is the one address', () => {
    assert.deepEqual(announcedAddresses(['203.0.113.7'], '192.168.1.20', MACHINE), ['203.0.113.7']);
    assert.deepEqual(announcedAddresses(undefined, '192.168.1.20', MACHINE), ['192.168.1.20']);
    for (const host of [undefined, '127.0.0.1', '0.0.0.0', '::'])
      assert.deepEqual(announcedAddresses(undefined, host, MACHINE), detectAddresses(MACHINE), String(host));
  });

  void it('a local address binds itself; one that is not local (NAT) binds its wildcard', () => {
    assert.deepEqual(mediaAddresses(['192.168.1.20', '203.0.113.7', '2001:db8::99'], MACHINE), [
      { announce: '192.168.1.20', bind: '192.168.1.20' },
      { announce: '203.0.113.7', bind: '0.0.0.0' },
      { announce: '2001:db8::99', bind: '::' },
    ]);
  });

  void it('parses the settings and names the wrong one', () => {
    assert.deepEqual(parseAnnouncedIps(' 203.0.113.7, 2001:db8::1 ,203.0.113.7'), [
      '203.0.113.7',
      '2001:db8::1',
    ]);
    assert.throws(() => parseAnnouncedIps('sfu.example.com'), /SFU_ANNOUNCED_IP/);
    assert.throws(() => parseAnnouncedIps(' , '), /SFU_ANNOUNCED_IP/);
    assert.deepEqual(sfuOptionsFromEnv({ SFU_RTP_PORTS: '40000-40100', SFU_HOST: '0.0.0.0' }), {
      host: '0.0.0.0',
      rtpPortRange: [40000, 40100],
    });
    assert.throws(() => sfuOptionsFromEnv({ SFU_RTP_PORTS: '5-4' }), /SFU_RTP_PORTS/);
  });
});

void describe('the SFU announces and answers on each address', () => {
  let sfu: TestSfu;
  const { track } = closeAfterAll();
  before(async () => {
    sfu = await TestSfu.start();
  });
  after(() => sfu.close());

  /** Publishes one audio track from a client bound to `from`; `keep` picks the SFU candidates it gets. */
  async function publish(from: string, keep: (line: string) => boolean) {
    const v4 = isIPv4(from);
    const pc = track(
      new RTCPeerConnection({
        iceServers: [],
        iceUseIpv4: v4,
        iceUseIpv6: !v4,
        iceInterfaceAddresses: v4 ? { udp4: from } : { udp6: from },
        iceAdditionalHostAddresses: [from],
        bundlePolicy: 'max-bundle',
      }),
    );
    const sessionId = await sfu.newSession();
    const t = pc.addTransceiver('audio', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const r = await sfu.call(OP.tracksNew, {
      sessionId,
      body: {
        sessionDescription: { type: 'offer', sdp: pc.localDescription!.sdp },
        tracks: [{ location: 'local', mid: t.mid, trackName: 'mic' }],
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const answer = r.body.sessionDescription!.sdp;
    const filtered = answer
      .split('\r\n')
      .filter((line) => !line.startsWith('a=candidate:') || keep(line))
      .join('\r\n');
    await pc.setRemoteDescription({ type: 'answer', sdp: filtered });
    return { pc, answer };
  }

  void it('candidates in the detected order with falling priorities', async () => {
    const expected = sfu.sfu.announcedAddresses();
    assert.deepEqual(expected, detectAddresses());
    const { answer } = await publish('127.0.0.1', () => true);
    const firstSection = answer.split('\r\nm=')[1] ?? '';
    const candidates = firstSection
      .split('\r\n')
      .filter((l) => l.startsWith('a=candidate:'))
      .map((l) => l.split(' '));
    assert.deepEqual(
      candidates.map((c) => c[4]),
      expected,
    );
    const priorities = candidates.map((c) => Number(c[3]));
    assert.deepEqual(
      priorities,
      [...priorities].sort((a, b) => b - a),
    );
    assert.equal(new Set(priorities).size, priorities.length);
  });

  const all = detectAddresses();
  for (const address of all) {
    const sameFamily = all.filter((a) => a !== address && isIPv4(a) === isIPv4(address));
    const from = sameFamily[0] ?? address;
    void itRetrying(`a client on ${from} given only the candidate on ${address} connects`, async () => {
      const { pc } = await publish(from, (line) => line.split(' ')[4] === address);
      await connected(pc);
    });
  }
});
