/**
 * Every participant's link quality, and the 10 s stats samples, from one `getStats()` every 2 s on the
 * current session. Quality is classified over each 2 s window (what the tile shows and
 * `network-quality-change` reports) and changes once three windows in a row agree (6 s: a start-up ramp or
 * one bad second does not flap the tile); every fifth report also closes a 10 s sample (`stats`, and what the
 * analytics send). Reset when the session is replaced, pruned as participants leave.
 */
import { ANALYTICS_TIMING, type StatsSample } from '../protocol/analytics.ts';
import type { Quality } from './quality.ts';
import type * as Sampler from './stats-sampler.ts';
import type { SamplerContext, StatEntry, StatsSampler } from './stats-sampler.ts';

export interface StatsSource {
  stats(): Promise<Iterable<StatEntry> | undefined>;
  context(): SamplerContext | undefined;
}

export interface QualityListener {
  changed(): void;
  qualityChanged(participantId: string, quality: Quality): void;
  sampled(samples: StatsSample[]): void;
}

export const QUALITY_TICK_MS = 2_000;
/** Windows in a row that must agree before the quality changes (the first `good` counts at once). */
export const QUALITY_CONFIRM_WINDOWS = 3;
const SAMPLE_EVERY = Math.round(ANALYTICS_TIMING.sampleMs / QUALITY_TICK_MS);

type SamplerModule = typeof Sampler;
let samplerModule: Promise<SamplerModule> | undefined;

/**
 * The sampler and its classification are the chunk `calls-room-stats.js` beside the widget: loaded as the
 * first call starts (the first window closes 2 s later), retried on the next tick if it failed.
 */
function loadSampler(): Promise<SamplerModule | undefined> {
  samplerModule ??= import('./stats-sampler.ts');
  return samplerModule.catch(() => {
    samplerModule = undefined;
    return undefined;
  });
}

export class QualityMonitor {
  readonly #quality = new Map<string, Quality>();
  /** A different classification seen, and in how many windows in a row. */
  readonly #pending = new Map<string, { q: Quality; windows: number }>();
  #window: StatsSampler | undefined;
  #interval: StatsSampler | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticks = 0;
  #busy = false;

  constructor(
    private readonly listener: QualityListener,
    private readonly clock: { now(): number; wall(): number } = {
      now: () => performance.now(),
      wall: () => Date.now(),
    },
  ) {}

  /** Quality per participant, as the snapshot shows it. */
  get quality(): ReadonlyMap<string, Quality> {
    return this.#quality;
  }

  start(source: () => StatsSource | undefined, tickMs = QUALITY_TICK_MS): void {
    this.stop();
    void loadSampler();
    this.#timer = setInterval(() => {
      const s = source();
      if (s && !this.#busy) {
        this.#busy = true;
        void this.tick(s).finally(() => (this.#busy = false));
      }
    }, tickMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** A new peer connection: its counters start from zero. */
  reset(): void {
    this.#window?.reset();
    this.#interval?.reset();
    this.#ticks = 0;
  }

  prune(participantIds: readonly string[]): void {
    let changed = false;
    for (const id of participantIds) {
      this.#pending.delete(id);
      changed = this.#quality.delete(id) || changed;
    }
    if (changed) this.listener.changed();
  }

  async tick(source: StatsSource): Promise<void> {
    const sampler = await loadSampler();
    if (!sampler) return;
    this.#window ??= new sampler.StatsSampler();
    this.#interval ??= new sampler.StatsSampler();
    const stats = await source.stats().catch(() => undefined);
    const ctx = source.context();
    if (!stats || !ctx) return;
    const entries = [...stats];
    const now = this.clock.now();
    const wall = this.clock.wall();
    this.update(this.#window.sample(entries, ctx, now, wall));
    if (this.#ticks++ % SAMPLE_EVERY === 0) {
      const samples = this.#interval.sample(entries, ctx, now, wall);
      if (samples.length > 0) this.listener.sampled(samples);
    }
  }

  /** New classifications: notifies real transitions only. */
  update(samples: readonly StatsSample[]): void {
    let changed = false;
    for (const s of samples) {
      const id = s.participantId;
      const before = this.#quality.get(id);
      if (before?.quality === s.quality && before.reason === s.reason) {
        this.#pending.delete(id);
        continue;
      }
      const seen = this.#pending.get(id);
      const windows =
        seen && seen.q.quality === s.quality && seen.q.reason === s.reason ? seen.windows + 1 : 1;
      if (windows < QUALITY_CONFIRM_WINDOWS && !(before === undefined && s.quality === 'good')) {
        this.#pending.set(id, { q: { quality: s.quality, reason: s.reason }, windows });
        continue;
      }
      this.#pending.delete(id);
      this.#quality.set(id, { quality: s.quality, reason: s.reason });
      this.listener.qualityChanged(id, { quality: s.quality, reason: s.reason });
      changed = true;
    }
    if (changed) this.listener.changed();
  }
}
