/** The tables `bench:sfu` prints (markdown, ready for BENCHMARKS.md). */

export interface SubscriberLossRow {
  fps: number;
  maxGapMs: number;
  freezeCount: number;
  freezesMs: number;
  nacks: number;
  lost: number;
  retransmitted: number | undefined;
}

export interface Row {
  sfu: 'ours' | 'janus';
  subscribers: number;
  cpuUsPerPacket: number;
  serverCpuPct: number;
  /** RTP packets/s the subscribers received (inbound-rtp packetsReceived): the count both SFUs share. */
  forwardedPps: number;
  /** The SFU's own forwarded-packet counter, per second (ours only): a cross-check of the above. */
  ownForwardedPps: number | undefined;
  rssMb: number;
  fpsAvg: number;
  fpsMin: number;
  pullToFrameP50: number;
  pullToFrameMax: number;
  machineLoad: number;
  publisherKbps: number;
  loss: SubscriberLossRow[] | undefined;
}

const f = (x: number | undefined, digits = 0) => (x === undefined ? '–' : x.toFixed(digits));

export function rowsTable(rows: Row[]): string {
  return table(
    [
      'SFU',
      'subscribers',
      'SFU CPU µs / forwarded pkt',
      'SFU CPU % of one core',
      'forwarded pkt/s (subscribers)',
      'pkt/s (SFU counter)',
      'SFU RSS MB',
      'subscriber fps avg / min',
      'pull → first frame p50 / max (ms)',
      'publisher kbps',
      'machine busy %',
    ],
    rows.map((r) => [
      r.sfu,
      String(r.subscribers),
      f(r.cpuUsPerPacket, 1),
      f(r.serverCpuPct, 1),
      f(r.forwardedPps),
      f(r.ownForwardedPps),
      f(r.rssMb),
      `${f(r.fpsAvg, 1)} / ${f(r.fpsMin, 1)}`,
      `${f(r.pullToFrameP50)} / ${f(r.pullToFrameMax)}`,
      f(r.publisherKbps),
      f(r.machineLoad * 100),
    ]),
  );
}

/** The slope between successive N of one SFU: CPU per extra forwarded packet and per extra subscriber. */
export function marginalTable(rows: Row[]): string {
  const out: string[][] = [];
  for (const sfu of ['ours', 'janus'] as const) {
    const mine = rows.filter((r) => r.sfu === sfu);
    for (let i = 1; i < mine.length; i++) {
      const [a, b] = [mine[i - 1]!, mine[i]!];
      const cpuUsPerS = (r: Row) => r.serverCpuPct * 1e4; // % of a core → µs per second
      const dPps = b.forwardedPps - a.forwardedPps;
      out.push([
        sfu,
        `${a.subscribers} → ${b.subscribers}`,
        dPps > 0 ? f((cpuUsPerS(b) - cpuUsPerS(a)) / dPps, 1) : '–',
        f((b.serverCpuPct - a.serverCpuPct) / (b.subscribers - a.subscribers), 2),
      ]);
    }
  }
  return table(['SFU', 'N', 'marginal µs / forwarded pkt', 'marginal % of a core / subscriber'], out);
}

export function sideBySideTable(rows: Row[]): string {
  const ns = [...new Set(rows.map((r) => r.subscribers))];
  return table(
    ['N', 'ours µs/pkt', 'Janus µs/pkt', 'ours / Janus', 'RSS MB ours / Janus', 'fps avg ours / Janus'],
    ns.map((n) => {
      const o = rows.find((r) => r.sfu === 'ours' && r.subscribers === n);
      const j = rows.find((r) => r.sfu === 'janus' && r.subscribers === n);
      return [
        String(n),
        f(o?.cpuUsPerPacket, 1),
        f(j?.cpuUsPerPacket, 1),
        o && j && j.cpuUsPerPacket > 0 ? f(o.cpuUsPerPacket / j.cpuUsPerPacket, 1) : '–',
        `${f(o?.rssMb)} / ${f(j?.rssMb)}`,
        `${f(o?.fpsAvg, 1)} / ${f(j?.fpsAvg, 1)}`,
      ];
    }),
  );
}

export function lossTable(rows: Row[]): string {
  const out: string[][] = [];
  for (const r of rows)
    r.loss?.forEach((s, i) =>
      out.push([
        r.sfu,
        String(r.subscribers),
        String(i + 1),
        f(s.fps, 1),
        f(s.maxGapMs),
        `${s.freezeCount} / ${f(s.freezesMs)}`,
        String(s.nacks),
        String(s.lost),
        f(s.retransmitted),
        s.fps >= 25 && s.maxGapMs <= 500 ? 'yes' : 'no',
      ]),
    );
  return table(
    [
      'SFU',
      'N',
      'subscriber',
      'fps',
      'longest gap between frames ms',
      'freezes count / total ms',
      'NACKs sent',
      'packets lost',
      'RTX packets received',
      '≥ 25 fps, no gap > 500 ms',
    ],
    out,
  );
}

function table(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}
