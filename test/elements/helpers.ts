/** Helpers for the widget's browser tests: tokens, rooms, waiting on conditions (never fixed sleeps). */
import { fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import { testEnv } from '../helpers/env.ts';
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import type { CallsTile } from '../../src/elements/calls-tile.ts';
import '../../src/elements/index.ts';
import { waitFor as poll } from '../helpers/wait.ts';

export function roomName(prefix = 'room'): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

export async function endpoint(): Promise<string> {
  return `${(await testEnv()).backendUrl}/api`;
}

export async function mintToken(
  room: string,
  name: string,
  role?: 'host' | 'guest' | 'viewer',
): Promise<string> {
  // Host tokens come from the open endpoint only with the dev host key (DEV_HOST_KEY).
  const auth: Record<string, string> =
    role === 'host' ? { authorization: `Bearer ${(await testEnv()).devHostKey}` } : {};
  const response = await fetch(`${await endpoint()}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ room, name, ...(role ? { role } : {}) }),
  });
  if (!response.ok) throw new Error(`token: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

export interface RoomOptions {
  token?: string;
  muted?: boolean;
  cameraOff?: boolean;
  noChat?: boolean;
  noSimulcast?: boolean;
  prejoin?: boolean;
  endpoint?: string;
  tokenEndpoint?: string;
}

/** A `<calls-room>` in the test's fixture container; it joins by itself. */
export async function makeRoom(room: string, name: string, options: RoomOptions = {}): Promise<CallsRoom> {
  const ep = options.endpoint ?? (await endpoint());
  // Every room of a test must be in view: tiles out of view stop receiving video, by design.
  await setViewport({ width: 1280, height: 2000 });
  const el = await fixture<CallsRoom>(
    html`<calls-room
      style="width: 420px; --calls-room-min-height: 0; --calls-tile-min-width: 120px"
      endpoint=${ep}
      token-endpoint=${options.tokenEndpoint ?? ''}
      token=${options.token ?? ''}
      room=${room}
      name=${name}
      ?muted=${options.muted}
      ?camera-off=${options.cameraOff}
      ?no-chat=${options.noChat}
      ?no-simulcast=${options.noSimulcast}
      ?prejoin=${options.prejoin}
    ></calls-room>`,
  );
  // Failures show up in the runner's browser logs.
  el.addEventListener('calls-error', (e) =>
    console.warn(`[${name}] calls-error ${e.detail.code}: ${e.detail.cause}`),
  );
  return el;
}

/** The suites' one poll (test/helpers/wait.ts), failing after 30 s unless told otherwise. */
export function waitFor<T>(
  check: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  return poll(check, what, timeoutMs);
}

export function tiles(room: CallsRoom): CallsTile[] {
  return [...(room.shadowRoot?.querySelectorAll('calls-tile') ?? [])];
}

export function remoteTiles(room: CallsRoom, source: 'camera' | 'screen' = 'camera'): CallsTile[] {
  return tiles(room).filter((t) => t.source === source && t.participant && !t.participant.isLocal);
}

/** Resolves once the video element has presented a decoded frame. */
export function presentedFrame(video: HTMLVideoElement, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no video frame presented')), timeoutMs);
    video.requestVideoFrameCallback(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Total framesDecoded over the room's inbound video. */
export async function framesDecoded(room: CallsRoom): Promise<number> {
  const stats = await room.getStats();
  let frames = 0;
  stats?.forEach((r: { type: string; kind?: string; framesDecoded?: number }) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded ?? 0;
  });
  return frames;
}

/** Every remote camera tile shows decoded video, and the room decodes more frames over time. */
export async function expectRemoteVideo(room: CallsRoom, count: number): Promise<void> {
  const remote = await waitFor(() => {
    const list = remoteTiles(room).filter((t) => t.participant?.camera && t.video);
    return list.length >= count ? list : undefined;
  }, `${count} remote video tiles`);
  await Promise.all(remote.map((t) => presentedFrame(t.video!)));
  const before = await framesDecoded(room);
  await waitFor(async () => (await framesDecoded(room)) > before + 2, 'frames decoded');
}

/** Records uncaught exceptions and unhandled rejections while a test runs. */
export function watchPageErrors(): { errors: unknown[]; stop: () => void } {
  const errors: unknown[] = [];
  const onError = (e: ErrorEvent) => errors.push(e.error ?? e.message);
  const onRejection = (e: PromiseRejectionEvent) => errors.push(e.reason);
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
  return {
    errors,
    stop: () => {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onRejection);
    },
  };
}

/** Resolves with the next event of that type on the target. */
export function nextEvent<K extends keyof GlobalEventHandlersEventMap>(
  target: EventTarget,
  type: K,
  filter: (event: GlobalEventHandlersEventMap[K]) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<GlobalEventHandlersEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, listener);
      reject(new Error(`no ${type} event`));
    }, timeoutMs);
    const listener = (event: Event) => {
      if (!filter(event as GlobalEventHandlersEventMap[K])) return;
      clearTimeout(timer);
      target.removeEventListener(type, listener);
      resolve(event as GlobalEventHandlersEventMap[K]);
    };
    target.addEventListener(type, listener);
  });
}
