/**
 * CPU and memory of one process, and how busy the whole machine is, read from /proc (Linux). The bench reads
 * both SFUs the same way, so their figures compare: user + system time of every thread of the process.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat's times: USER_HZ, 100 on every Linux ABI Node runs on. */
const TICKS_PER_S = 100;
const PAGE_BYTES = 4096;

export interface ProcSample {
  /** user + system CPU time of the process, µs (10 ms resolution). */
  cpuUs: number;
  rssBytes: number;
  at: number;
}

export class ProcessGoneError extends Error {
  constructor(readonly pid: number) {
    super(`process ${pid} is gone (no /proc/${pid}/stat)`);
  }
}

export function sampleProcess(pid: number): ProcSample {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    throw new ProcessGoneError(pid);
  }
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // utime, stime are fields 14 and 15 of stat(5); rss (pages) is 24. `fields` starts at field 3.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { cpuUs: (ticks * 1e6) / TICKS_PER_S, rssBytes: rssPages * PAGE_BYTES, at: performance.now() };
}

/** CPU µs the process used between two samples, and that as a percentage of one core. */
export function cpuBetween(a: ProcSample, b: ProcSample): { cpuUs: number; pctOfCore: number } {
  const cpuUs = b.cpuUs - a.cpuUs;
  const wallUs = (b.at - a.at) * 1000;
  return { cpuUs, pctOfCore: wallUs > 0 ? (cpuUs / wallUs) * 100 : 0 };
}

/** The machine's CPU counters (/proc/stat's first line), for `machineBusy`. */
export function machineSample(): number[] {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return [];
  }
}

/** Fraction of the machine's CPU that was busy since `since`; the load average per core without /proc. */
export function machineBusy(since: number[]): number {
  const now = machineSample();
  if (now.length < 5 || since.length < 5) return loadavg()[0]! / cpus().length;
  const idle = (a: number[]) => a[3]! + a[4]!;
  const total = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const dt = total(now) - total(since);
  return dt > 0 ? 1 - (idle(now) - idle(since)) / dt : 0;
}
