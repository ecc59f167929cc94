/**
 * `npm run bench:sfu`: one publisher (VP8 ~1.5 Mbps from a generated Y4M camera, plus Opus) to N subscribers
 * through our embedded SFU and, in the same run, through Janus's VideoRoom (Debian's `janus`, the C anchor),
 * in real Chromium without network test flags (scripts/in-netns.sh: a private namespace with a veth pair).
 *
 * Each SFU runs in its own process (ours: bench/sfu-process.ts, forked; Janus: bench/janus-process.ts), and
 * its CPU (user + system, from /proc) and RSS are read over a measuring window, so no client work is counted.
 * "Forwarded packets" are counted the same way for both: the RTP packets the subscribers received (inbound-rtp
 * `packetsReceived`, video + audio); our SFU's own counter is shown beside it as a cross-check. Per row also:
 * subscriber fps, time from the pull request to the first presented frame (for Janus, a full-ICE SFU, it
 * includes the browser's candidate gathering), publisher kbps, machine busy %.
 * Then the marginal cost between successive N and the side-by-side table (ours / Janus). An SFU's run stops
 * early when its subscribers fall below 20 fps (the machine is saturated: the subscribers' browser decodes
 * every stream; not under LOSS). Without `janus` installed the bench says so and measures ours alone.
 *
 * Options (env):
 *   COUNTS       subscriber counts, "1,5,10,20" ("1,5" with LOSS)
 *   WINDOW_S     measuring window per row, seconds (10)
 *   SFUS         which SFUs to measure, in order ("ours,janus"); JANUS_PATH: Janus's binary (/usr/bin/janus)
 *   LOSS         percent of SFU → subscriber packets dropped at random by a UDP relay (bench/udp-relay.ts)
 *                each subscriber's media passes through; off by default. Adds a per-subscriber table: fps,
 *                longest gap between presented frames, freezes, NACKs, packets lost, RTX packets received.
 *   JANUS_RTX    "0" removes RTX from the answers Janus's subscribers send, so Janus retransmits on the media
 *                stream as ours does (Janus 1.1.2's RTX repairs little at 5 % loss: see BENCHMARKS.md)
 *   DELAY_MS     one-way delay the relay adds in both directions when LOSS is set (50)
 *   CHROME_PATH  the Chromium to use (/usr/bin/chromium)
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { makeY4m } from './y4m.ts';
import { CHROMIUM_ARGS as ARGS, findChrome } from '../scripts/find-chrome.mjs';
import { findJanus } from './janus-process.ts';
import { JanusVideoRoom } from './janus-videoroom.ts';
import { OursSfu } from './ours-sfu.ts';
import { cpuBetween, machineBusy, machineSample, sampleProcess } from './proc-stats.ts';
import * as pageFns from './sfu-page.ts';
import type { SfuUnderTest } from './sfu-under-test.ts';
import { lossTable, marginalTable, rowsTable, sideBySideTable, type Row } from './sfu-table.ts';
import { LossyLink } from './udp-relay.ts';
import { stripCandidates, withoutRtx } from './sdp-edit.ts';

const LOSS = process.env.LOSS ? Number(process.env.LOSS) : undefined;
if (LOSS !== undefined && !(LOSS >= 0 && LOSS <= 100))
  throw new Error(`LOSS must be a percentage, not ${process.env.LOSS}`);
const DELAY_MS = Number(process.env.DELAY_MS ?? '50');
if (!(DELAY_MS >= 0)) throw new Error(`DELAY_MS must be a number of ms, not ${process.env.DELAY_MS}`);
const COUNTS = (process.env.COUNTS ?? (LOSS === undefined ? '1,5,10,20' : '1,5')).split(',').map(Number);
if (COUNTS.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`COUNTS must list positive integers`);
const JANUS_RTX = process.env.JANUS_RTX !== '0';
const WINDOW_S = Number(process.env.WINDOW_S ?? '10');
if (!(WINDOW_S > 0)) throw new Error(`WINDOW_S must be a number of seconds, not ${process.env.WINDOW_S}`);
const now = () => performance.timeOrigin + performance.now();

const executablePath = findChrome();
if (!executablePath) throw new Error('No Chromium: apt-get install -y chromium, or set CHROME_PATH');
const SFUS = (process.env.SFUS ?? 'ours,janus').split(',');
if (SFUS.some((s) => s !== 'ours' && s !== 'janus')) throw new Error('SFUS lists "ours" and/or "janus"');
const janusPath = SFUS.includes('janus') ? findJanus() : undefined;
if (SFUS.includes('janus') && !janusPath)
  console.log('janus is not installed (apt-get install -y janus): measuring our SFU alone');
const y4m = await makeY4m(join(tmpdir(), 'calls-room-bench-640x360.y4m'));
// Any page on 127.0.0.1 is a secure context; signalling goes from this process, so the page needs nothing else.
const blank = createServer((_, res) => res.end('<!doctype html><title>bench:sfu</title>'));
await new Promise<void>((r) => blank.listen(0, '127.0.0.1', r));
const pageUrl = `http://127.0.0.1:${(blank.address() as { port: number }).port}/`;
console.log(
  `load average ${loadAverage()} on ${cpus().length} cores` +
    (LOSS === undefined ? '' : `; link to subscribers: ${LOSS} % loss, ${DELAY_MS} ms delay each way`),
);

const pubBrowser = await chromium.launch({
  executablePath,
  headless: true,
  args: [...ARGS, `--use-file-for-fake-video-capture=${y4m}`],
});
const subBrowser = await chromium.launch({ executablePath, headless: true, args: ARGS });
const rows: Row[] = [];
try {
  for (const name of SFUS) {
    if (name === 'janus' && !janusPath) continue;
    try {
      const sfu: SfuUnderTest =
        name === 'ours' ? await OursSfu.start() : await JanusVideoRoom.start(janusPath!);
      try {
        await measure(sfu);
      } finally {
        await sfu.close();
      }
    } catch (e) {
      console.log(`run failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
} finally {
  await pubBrowser.close();
  await subBrowser.close();
  blank.close();
}

const tables = [rowsTable(rows), marginalTable(rows)];
if (janusPath && SFUS.includes('ours')) tables.push(sideBySideTable(rows));
if (LOSS !== undefined) tables.push(lossTable(rows));
console.log(`\nload average ${loadAverage()}\n\n${tables.join('\n\n')}`);
mkdirSync('bench/.out', { recursive: true });
writeFileSync(
  `bench/.out/sfu${LOSS === undefined ? '' : '-loss'}.json`,
  JSON.stringify(
    { date: new Date().toISOString(), cores: cpus().length, loss: LOSS, delayMs: DELAY_MS, rows },
    null,
    2,
  ),
);

async function measure(sfu: SfuUnderTest): Promise<void> {
  const pubPage = await open(pubBrowser);
  const offer = await pubPage.evaluate(pageFns.pageOffer, { wantCandidates: sfu.wantsCandidates });
  const answer = await sfu.publish(offer);
  const addresses = new Set(answer.match(/(?<=^a=candidate:\S+ \d+ udp \d+ )\S+/gim));
  console.log(`${sfu.name}: pid ${sfu.pid}, media candidates on ${[...addresses].join(', ') || 'none'}`);
  await pubPage.evaluate(pageFns.pagePublisherAnswer, answer);
  // Let the publisher's bandwidth estimate reach its configured bitrate.
  let kbps = 0;
  for (let i = 0; i < 20 && kbps < 1200; i++) kbps = await pubPage.evaluate(pageFns.pagePublisherKbps);
  console.log(`${sfu.name}: publisher at ${kbps.toFixed(0)} kbps`);
  const link = LOSS === undefined ? undefined : new LossyLink({ lossPct: LOSS, delayMs: DELAY_MS });
  try {
    for (const n of COUNTS) {
      const page = await open(subBrowser);
      const ids: string[] = [];
      const subscribeOne = async (): Promise<number> => {
        const t0 = now();
        const { id, offer } = await sfu.subscribe();
        ids.push(id);
        const { index, answer } = await page.evaluate(pageFns.pageSubscribe, {
          offer: link ? await link.rewriteOffer(offer) : offer,
          wantCandidates: sfu.wantsCandidates,
        });
        let edited = link ? stripCandidates(answer) : answer;
        if (sfu.name === 'janus' && !JANUS_RTX) edited = withoutRtx(edited);
        await sfu.answer(id, edited);
        return (await page.evaluate(pageFns.pageFirstFrame, index)) - t0;
      };
      const ttff = (await Promise.all(Array.from({ length: n }, subscribeOne))).sort((a, b) => a - b);

      const [proc0, stats0, own0, machine0] = [
        sampleProcess(sfu.pid),
        await page.evaluate(pageFns.pageSubscriberStats),
        await sfu.ownForwardedPackets(),
        machineSample(),
      ];
      await page.evaluate(pageFns.pageResetGaps);
      await new Promise((r) => setTimeout(r, WINDOW_S * 1000)); // a measuring window, not a test wait
      const [proc1, stats1, own1] = [
        sampleProcess(sfu.pid),
        await page.evaluate(pageFns.pageSubscriberStats),
        await sfu.ownForwardedPackets(),
      ];
      const seconds = (proc1.at - proc0.at) / 1000;
      const cpu = cpuBetween(proc0, proc1);
      const delta = stats1.map((s, i) => {
        const b = stats0[i]!;
        return {
          fps: (s.framesDecoded - b.framesDecoded) / seconds,
          packets: s.packetsReceived - b.packetsReceived,
          maxGapMs: s.maxGapMs,
          freezeCount: s.freezeCount - b.freezeCount,
          freezesMs: (s.totalFreezesDurationS - b.totalFreezesDurationS) * 1000,
          nacks: s.nackCount - b.nackCount,
          lost: s.packetsLost - b.packetsLost,
          retransmitted:
            s.retransmittedPacketsReceived === undefined
              ? undefined
              : s.retransmittedPacketsReceived - (b.retransmittedPacketsReceived ?? 0),
        };
      });
      const forwarded = delta.reduce((a, d) => a + d.packets, 0);
      const fps = delta.map((d) => d.fps);
      const row: Row = {
        sfu: sfu.name,
        subscribers: n,
        cpuUsPerPacket: cpu.cpuUs / Math.max(1, forwarded),
        serverCpuPct: cpu.pctOfCore,
        forwardedPps: forwarded / seconds,
        ownForwardedPps: own0 === undefined || own1 === undefined ? undefined : (own1 - own0) / seconds,
        rssMb: proc1.rssBytes / 2 ** 20,
        fpsAvg: fps.reduce((a, b) => a + b, 0) / fps.length,
        fpsMin: Math.min(...fps),
        pullToFrameP50: ttff[Math.floor((ttff.length - 1) / 2)]!,
        pullToFrameMax: ttff[ttff.length - 1]!,
        machineLoad: machineBusy(machine0),
        publisherKbps: await pubPage.evaluate(pageFns.pagePublisherKbps),
        loss: link ? delta.map(({ packets: _, ...d }) => d) : undefined,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
      await Promise.all(ids.map((id) => sfu.unsubscribe(id)));
      await page.evaluate(pageFns.pageCloseSubscribers);
      await page.context().close();
      // Under LOSS a low frame rate is what is measured, not a sign of saturation: every N runs.
      if (!link && row.fpsMin < 20) {
        console.log(
          `${sfu.name}: stopping at N=${n}: a subscriber fell to ${row.fpsMin.toFixed(1)} fps ` +
            `(machine ${(row.machineLoad * 100).toFixed(0)} % busy, publisher at ` +
            `${row.publisherKbps.toFixed(0)} kbps: saturated${row.publisherKbps < 1000 ? ", and the publisher's rate collapsed" : ''})`,
        );
        break;
      }
    }
  } finally {
    link?.close();
    await pubPage.context().close();
  }
  if (link)
    console.log(
      `${sfu.name}: the relay dropped ${link.counters.dropped} of ${link.counters.down} packets to subscribers`,
    );
}

function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

async function open(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  // tsx compiles with esbuild's keepNames, whose `__name` helper the functions handed to the page call.
  await context.addInitScript('window.__name = (f) => f');
  const page = await context.newPage();
  await page.goto(pageUrl);
  return page;
}
