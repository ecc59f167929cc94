/**
 * The lossy link of `LOSS=` bench:sfu runs: an SFU's offer rewritten to point at relays, packets relayed both
 * ways, the downlink's drops counted, and the browser's candidates stripped for a full-ICE SFU.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createSocket, type Socket } from 'node:dgram';
import { after, describe, it } from 'node:test';
import { LossyLink, SdpRewriteError } from '../../bench/udp-relay.ts';

const sockets: Socket[] = [];
const links: LossyLink[] = [];
after(() => {
  for (const s of sockets) s.close();
  for (const l of links) l.close();
});

async function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  sockets.push(s);
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

function offer(port: number): string {
  return [
    'v=0',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP4 0.0.0.0',
    `a=candidate:1 1 udp 2130706431 127.0.0.1 ${port} typ host`,
    `a=candidate:2 1 tcp 1518280447 127.0.0.1 ${port} typ host tcptype passive`,
    'a=end-of-candidates',
    '',
  ].join('\r\n');
}

const candidatePort = (sdp: string) => Number(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+)/.exec(sdp)![1]);

/** Waits until `check` holds, turn by turn of the event loop (no fixed sleep). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r));
}

void describe('LossyLink', () => {
  void it('points UDP candidates at a relay on the same address, drops TCP ones, keeps the rest', async () => {
    const link = new LossyLink({ lossPct: 0, delayMs: 0 });
    links.push(link);
    const sdp = await link.rewriteOffer(offer(40000));
    assert.notEqual(candidatePort(sdp), 40000);
    assert.doesNotMatch(sdp, / tcp /);
    assert.match(sdp, /^m=video 9 UDP\/TLS\/RTP\/SAVPF 96$/m);
    assert.match(sdp, /^a=end-of-candidates$/m);
    // The same SFU address again: the same relay.
    assert.equal(candidatePort(await link.rewriteOffer(offer(40000))), candidatePort(sdp));
  });

  void it('relays the browser to the SFU and the SFU back to that browser', async () => {
    const [sfu, browser] = [await udp(), await udp()];
    const link = new LossyLink({ lossPct: 0, delayMs: 1 });
    links.push(link);
    const relayPort = candidatePort(await link.rewriteOffer(offer(sfu.address().port)));
    const atSfu = once(sfu, 'message');
    browser.send('check', relayPort, '127.0.0.1');
    const [msg, from] = (await atSfu) as [Buffer, { address: string; port: number }];
    assert.equal(msg.toString(), 'check');
    assert.notEqual(from.port, browser.address().port); // the relay's own socket for this browser
    const atBrowser = once(browser, 'message');
    sfu.send('media', from.port, from.address);
    const [reply, replyFrom] = (await atBrowser) as [Buffer, { port: number }];
    assert.equal(reply.toString(), 'media');
    assert.equal(replyFrom.port, relayPort);
    assert.deepEqual(link.counters, { down: 1, dropped: 0, up: 1 });
  });

  void it('drops SFU → browser packets at the configured rate, never browser → SFU ones', async () => {
    const [sfu, browser] = [await udp(), await udp()];
    const link = new LossyLink({ lossPct: 100, delayMs: 0 });
    links.push(link);
    const relayPort = candidatePort(await link.rewriteOffer(offer(sfu.address().port)));
    const atSfu = once(sfu, 'message');
    browser.send('check', relayPort, '127.0.0.1');
    const [, from] = (await atSfu) as [Buffer, { address: string; port: number }];
    for (let i = 0; i < 5; i++) sfu.send('media', from.port, from.address);
    await until(() => link.counters.down === 5);
    assert.deepEqual(link.counters, { down: 5, dropped: 5, up: 1 });
  });

  void it('refuses a candidate it cannot read with a typed error', async () => {
    const link = new LossyLink({ lossPct: 0, delayMs: 0 });
    links.push(link);
    await assert.rejects(
      link.rewriteOffer('a=candidate:1 1 udp 1 127.0.0.1 notaport typ host\r\n'),
      SdpRewriteError,
    );
  });
});
