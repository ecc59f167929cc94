/** A `<calls-room>` with any properties set before it joins (lobby, metadata, avatar-url, controls). */
import { setViewport } from '@web/test-runner-commands';
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import { endpoint } from './helpers.ts';

const made: CallsRoom[] = [];

export async function roomWith(
  room: string,
  name: string,
  props: Partial<CallsRoom> = {},
): Promise<CallsRoom> {
  await setViewport({ width: 1280, height: 2000 });
  const el = document.createElement('calls-room');
  Object.assign(el, { endpoint: await endpoint(), room, name, ...props });
  el.style.cssText = 'display:block;width:420px;--calls-room-min-height:0;--calls-tile-min-width:120px';
  el.addEventListener('calls-error', (e) =>
    console.warn(`[${name}] calls-error ${e.detail.code}: ${e.detail.cause}`),
  );
  document.body.append(el);
  made.push(el);
  return el;
}

/** Leaves and removes every room `roomWith` made. */
export function removeRooms(): void {
  for (const el of made.splice(0)) el.remove();
}

export const part = (root: Element | null | undefined, name: string) =>
  root?.shadowRoot?.querySelector<HTMLElement>(`[part~="${name}"]`) ?? null;

export const controlsOf = (room: CallsRoom) => room.shadowRoot!.querySelector('calls-controls');
