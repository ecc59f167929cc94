/**
 * Who is speaking and who is the active speaker, sampled on a timer from what the current session reports,
 * pruned as participants leave. (Link quality is the QualityMonitor's.)
 */
import { SpeakingDetector } from './room-media.ts';

/** What Activity samples, from the current session. */
export interface ActivitySource {
  /** Audio level (0..1) per participant id, for those who are heard (not muted). */
  levels(): Promise<Map<string, number>>;
  /** Still in the room (an active speaker who left is not kept). */
  present(participantId: string): boolean;
}

export interface ActivityListener {
  changed(): void;
  activeSpeakerChanged(participantId: string | undefined): void;
}

const LEVEL_INTERVAL_MS = 200;
export class Activity {
  readonly #detectors = new Map<string, SpeakingDetector>();
  readonly #speaking = new Set<string>();
  #activeSpeaker: string | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly listener: ActivityListener) {}

  get speaking(): ReadonlySet<string> {
    return this.#speaking;
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

  /** Participants who left the room: nothing of theirs is kept. */
  prune(participantIds: readonly string[]): void {
    let changed = false;
    for (const id of participantIds) {
      this.#detectors.delete(id);
      changed = this.#speaking.delete(id) || changed;
    }
    if (changed) this.listener.changed();
  }

  async tick(source: ActivitySource, now: number): Promise<void> {
    this.updateLevels(await source.levels(), now, (id) => source.present(id));
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
}
