/**
 * How the built widget is served at `/calls-room.js` (with its lazy chunks and source maps), the URL a site's
 * script tag points at: the same headers from Node (`widget-files.ts`) and from Workers static assets (the `_headers` file the
 * widget build writes beside the bundle, see vite.config.ts).
 *
 * Caching: one stable URL with an ETag and a 5-minute lifetime, not a content-hashed file. Site owners paste
 * one URL into their pages and never edit it again, so a hashed name would still need a short-lived alias in
 * front of it, and the alias is what every page loads. A short max-age bounds how long a visitor keeps an old
 * widget after a deploy (the widget and its backend are deployed together); after that a conditional
 * request answers 304 without the body.
 */

/** The files, relative to the widget directory (`dist/widget`). */
export const WIDGET_FILES = [
  'calls-room.js',
  'calls-room.js.map',
  // The lazy chunks, which calls-room.js loads relative to itself (vite.config.ts names them): the call
  // engine as soon as an element connects, the composite recorder when a host records, the support line's
  // waiting view with `queue`, the analytics reporter when a Room starts, the stats sampler as a call
  // starts, the German strings for `lang="de"`.
  // test/demo/bundle-budget.node.test.ts checks every built chunk is listed.
  'calls-room-engine.js',
  'calls-room-engine.js.map',
  'calls-room-recorder.js',
  'calls-room-recorder.js.map',
  'calls-room-queue.js',
  'calls-room-queue.js.map',
  'calls-room-analytics.js',
  'calls-room-analytics.js.map',
  'calls-room-stats.js',
  'calls-room-stats.js.map',
  'calls-room-strings-de.js',
  'calls-room-strings-de.js.map',
] as const;

export type WidgetFile = (typeof WIDGET_FILES)[number];

/** Headers besides Content-Type and ETag, which each runtime sets itself. */
export const WIDGET_HEADERS: Readonly<Record<string, string>> = {
  // The file is public and loaded as a module script from other origins, which needs CORS.
  'Access-Control-Allow-Origin': '*',
  'Cache-Control': 'public, max-age=300',
  'X-Content-Type-Options': 'nosniff',
};

export function widgetContentType(file: WidgetFile): string {
  return file.endsWith('.map') ? 'application/json; charset=utf-8' : 'text/javascript; charset=utf-8';
}

/** The `_headers` file of Workers static assets (https://developers.cloudflare.com/workers/static-assets/headers/). */
export function assetsHeadersFile(): string {
  const lines = Object.entries(WIDGET_HEADERS).map(([name, value]) => `  ${name}: ${value}`);
  return WIDGET_FILES.map((file) => `/${file}\n${lines.join('\n')}\n`).join('');
}
