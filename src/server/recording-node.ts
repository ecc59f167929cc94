/**
 * Recordings on Node: the store the settings pick (an S3-compatible bucket, else the local directory) and one
 * `RecordingService` per room in this process, each showing its state through the room's presence.
 */
import type { ActiveRecording } from '../protocol/recording.ts';
import type { Recordings, RecordingRooms } from './recording-routes.ts';
import { RecordingService, type RecordingAnswer, type RecordingCaller } from './recording-service.ts';
import { RETENTION_SWEEP_MS, sweepRecordings } from './recording-retention.ts';
import type { RecordingSettings } from './recording-settings.ts';
import { FileRecordingStore } from './recording-store-fs.ts';
import { S3RecordingStore } from './recording-store-s3.ts';
import type { RecordingStore } from './recording-store.ts';

export function nodeRecordingStore(settings: RecordingSettings): RecordingStore | undefined {
  if (settings.s3) return new S3RecordingStore(settings.s3);
  return settings.dir !== undefined ? new FileRecordingStore(settings.dir) : undefined;
}

export class NodeRecordings implements RecordingRooms {
  readonly #services = new Map<string, RecordingService>();
  /** When a tick last started a retention sweep (the first tick does), and the last sweep asked for. */
  #sweptAt = -Infinity;
  #sweeping: Promise<number> = Promise.resolve(0);

  constructor(
    readonly store: RecordingStore,
    private readonly settings: RecordingSettings,
    /** Shows a room's recording in its presence. */
    private readonly announce: (room: string, status: ActiveRecording | null) => void,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /** What `createApp` mounts. */
  get recordings(): Recordings {
    return { rooms: this, store: this.store, retentionDays: this.settings.retentionDays };
  }

  #service(room: string): RecordingService {
    let service = this.#services.get(room);
    if (!service) {
      service = new RecordingService({
        room,
        store: this.store,
        timeoutMs: this.settings.timeoutMs,
        announce: (status) => this.announce(room, status),
        now: this.now,
        log: this.log,
      });
      this.#services.set(room, service);
    }
    return service;
  }

  start(room: string, caller: RecordingCaller): Promise<RecordingAnswer> {
    return this.#service(room).start(caller);
  }

  chunk(room: string, caller: RecordingCaller, id: string, seq: number, ms: number, bytes: Uint8Array) {
    return this.#service(room).chunk(caller, id, seq, ms, bytes);
  }

  stop(room: string, caller: RecordingCaller, id: string): Promise<RecordingAnswer> {
    return this.#service(room).stop(caller, id);
  }

  /**
   * After a restart: picks up recordings left running (their rooms' services restore them from the store),
   * so the timeout still finalizes them when their host does not come back.
   */
  async resume(): Promise<void> {
    for (const room of await this.store.rooms()) this.#service(room);
    await this.tick();
  }

  /** Finalizes recordings whose host vanished; drops services with nothing running; sweeps hourly. */
  async tick(): Promise<void> {
    for (const [room, service] of this.#services) {
      await service.tick();
      if (!service.active) this.#services.delete(room);
    }
    if (this.now() - this.#sweptAt >= RETENTION_SWEEP_MS) {
      this.#sweptAt = this.now();
      await this.sweep();
    }
  }

  /** Deletes every recording past its retention at `now`, in every room (sweeps run one after another). */
  sweep(now = this.now()): Promise<number> {
    const run = () => sweepRecordings(this.store, this.settings.retentionDays, now, this.log);
    const next = this.#sweeping.then(run, run);
    this.#sweeping = next;
    return next;
  }
}
