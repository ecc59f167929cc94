/** The media devices list, kept current on `devicechange` until disposed. */
import type { MediaPort } from './ports.ts';
import type { DeviceInfo } from './room-types.ts';

export class Devices {
  #list: readonly DeviceInfo[] = [];
  #unsubscribe: (() => void) | undefined;
  #disposed = false;

  constructor(
    private readonly media: MediaPort,
    private readonly changed: () => void,
  ) {}

  get list(): readonly DeviceInfo[] {
    return this.#list;
  }

  /** Lists the devices now and after every change. */
  async refresh(): Promise<void> {
    const listing = this.#disposed ? undefined : this.media.enumerateDevices();
    if (!listing) return;
    this.#unsubscribe ??= this.media.onDeviceChange(() => void this.refresh());
    const list = await listing.catch(() => []);
    if (this.#disposed) return;
    this.#list = list
      .filter((d) => d.deviceId !== '')
      .map((d) => Object.freeze({ kind: d.kind, deviceId: d.deviceId, label: d.label }));
    this.changed();
  }

  dispose(): void {
    this.#disposed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
