/**
 * Who is speaking, who is the active speaker, and each remote participant's link quality, sampled on a
 * timer from what the current session reports. Reset when the session is replaced (a new connection's
 * packet counters start at zero), pruned as participants leave.
 */
import { SpeakingDetector } from './room-media.ts';
import type { NetworkQuality } from './room-types.ts';

export interface LossTotals {
  lost: number;
  received: number;
}

/** What Activity samples, from the current session. */
export interface ActivitySource {
  /** Audio level (0..1) per participant id, for those who are heard (not muted). */
  levels(): Promise<Map<string, number>>;
  /** Packet totals per remote participant since their pulls began; undefined when there are no stats. */
  lossTotals(): Promise<Map<string, LossTotals> | undefined>;
  /** Still in the room (an active speaker who left is not kept). */
  present(participantId: string): boolean;
}

export interface ActivityListener {
  changed(): void;
  activeSpeakerChanged(participantId: string | undefined): void;
}

const LEVEL_INTERVAL_MS = 200;
/** Quality every 10th level sample (2 s). */
const QUALITY_EVERY = 10;

/** Quality from the packets of one interval. */
export function qualityOf(lost: number, received: number): NetworkQuality {
  if (received === 0) return 'poor';
  const ratio = lost / (lost + received);
  return ratio < 0.02 ? 'good' : ratio < 0.08 ? 'fair' : 'poor';
}

export class Activity {
  readonly #detectors = new Map<string, SpeakingDetector>();
  readonly #speaking = new Set<string>();
  readonly #quality = new Map<string, NetworkQuality>();
  readonly #lossSeen = new Map<string, LossTotals>();
  #activeSpeaker: string | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticks = 0;

  constructor(private readonly listener: ActivityListener) {}

  get speaking(): ReadonlySet<string> {
    return this.#speaking;
  }

  get quality(): ReadonlyMap<string, NetworkQuality> {
    return this.#quality;
  }

  get activeSpeaker(): string | undefined {
    return this.#activeSpeaker;
  }

  start(source: () => ActivitySource | undefined): void {
    this.stop();
    this.#timer = setInterval(() => {
      const s = source();
      if (s) void this.tick(s, performance.now());
    }, LEVEL_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** A new session: its packet counters start from zero, so the last ones are no baseline. */
  reset(): void {
    this.#lossSeen.clear();
  }

  /** Participants who left the room: nothing of theirs is kept. */
  prune(participantIds: readonly string[]): void {
    let changed = false;
    for (const id of participantIds) {
      this.#detectors.delete(id);
      this.#lossSeen.delete(id);
      changed = this.#quality.delete(id) || changed;
      changed = this.#speaking.delete(id) || changed;
    }
    if (changed) this.listener.changed();
  }

  async tick(source: ActivitySource, now: number): Promise<void> {
    if (++this.#ticks % QUALITY_EVERY === 0) void this.sampleQuality(source);
    this.updateLevels(await source.levels(), now, (id) => source.present(id));
  }

  async sampleQuality(source: ActivitySource): Promise<void> {
    const totals = await source.lossTotals();
    if (totals) this.updateQuality(totals);
  }

  /** Speaking with hysteresis per participant; the active speaker stays until someone else speaks. */
  updateLevels(levels: ReadonlyMap<string, number>, now: number, present: (id: string) => boolean): void {
    let changed = false;
    for (const id of new Set([...levels.keys(), ...this.#speaking])) {
      let detector = this.#detectors.get(id);
      if (!detector) this.#detectors.set(id, (detector = new SpeakingDetector()));
      const speaking = detector.update(levels.get(id) ?? 0, now);
      if (speaking !== this.#speaking.has(id)) {
        changed = true;
        if (speaking) this.#speaking.add(id);
        else this.#speaking.delete(id);
      }
    }
    let active = this.#activeSpeaker;
    if (!active || !this.#speaking.has(active)) {
      let best = 0;
      active = undefined;
      for (const id of this.#speaking) {
        const level = levels.get(id) ?? 0;
        if (level >= best) {
          best = level;
          active = id;
        }
      }
      active ??= this.#activeSpeaker && present(this.#activeSpeaker) ? this.#activeSpeaker : undefined;
    }
    if (active !== this.#activeSpeaker) {
      this.#activeSpeaker = active;
      this.listener.activeSpeakerChanged(active);
      changed = true;
    }
    if (changed) this.listener.changed();
  }

  /** Quality per participant from the packets lost and received since the last sample. */
  updateQuality(totals: ReadonlyMap<string, LossTotals>): void {
    let changed = false;
    for (const [id, total] of totals) {
      const previous = this.#lossSeen.get(id) ?? { lost: 0, received: 0 };
      this.#lossSeen.set(id, total);
      const quality = qualityOf(
        Math.max(0, total.lost - previous.lost),
        Math.max(0, total.received - previous.received),
      );
      if (this.#quality.get(id) !== quality) {
        this.#quality.set(id, quality);
        changed = true;
      }
    }
    if (changed) this.listener.changed();
  }
}
