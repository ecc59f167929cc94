/**
 * The site page site owners build (script-tag-site.html, on the test runner's origin), loading the built
 * `calls-room.js` from the backend (another origin) in an iframe. Nothing here imports the widget's source.
 */
import type { CallsRoom } from '../../src/elements/calls-room.ts';
import type { ErrorDetail } from '../../src/elements/events.ts';
import { waitFor } from '../helpers/wait.ts';

export interface SiteWindow extends Window {
  /** Errors and unhandled rejections on the page. */
  siteErrors: string[];
  /** Every `calls-error` detail, from before the script loaded. */
  callsErrors: ErrorDetail[];
}

export interface Site {
  frame: HTMLIFrameElement;
  win: SiteWindow;
  room: CallsRoom;
}

/** The suites' one poll (test/helpers/wait.ts), failing after 30 s unless told otherwise. */
export function until<T>(
  check: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  return waitFor(check, what, timeoutMs);
}

/** Opens the site page joining `room` as `name`; `missing`: a chunk whose URL 404s on that page. */
export async function openSite(
  backendUrl: string,
  room: string,
  name: string,
  missing?: string,
): Promise<Site> {
  const frame = document.createElement('iframe');
  frame.allow = 'camera; microphone; autoplay';
  frame.style.cssText = 'width: 620px; height: 640px; border: 0';
  const url = new URL('/test/elements/script-tag-site.html', location.href);
  url.search = new URLSearchParams({
    backend: backendUrl,
    room,
    name,
    ...(missing ? { missing } : {}),
  }).toString();
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  frame.src = url.href;
  document.body.append(frame);
  await loaded;
  const win = frame.contentWindow as SiteWindow;
  const doc = frame.contentDocument!;
  const el = await until(() => {
    const failed = doc.body.dataset.scriptError;
    if (failed) throw new Error(`the site page could not load ${failed} (CORS or content type?)`);
    return win.customElements.get('calls-room') && doc.querySelector<CallsRoom>('calls-room');
  }, `${name}'s page to define <calls-room> from ${backendUrl}/calls-room.js`);
  return { frame, win, room: el };
}
