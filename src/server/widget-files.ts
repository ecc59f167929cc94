/**
 * The built widget on Node: `GET /calls-room.js` and `/calls-room.js.map` from the widget directory, with the
 * headers of `widget-headers.ts`, a strong ETag and 304 on a matching If-None-Match. The file is read again
 * when it changes on disk (a rebuild while the server runs), otherwise served from memory.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from 'hono';
import { WIDGET_HEADERS, widgetContentType, type WidgetFile } from './widget-headers.ts';

interface Loaded {
  mtimeMs: number;
  size: number;
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

/** True when an If-None-Match header value matches the ETag (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** A handler for one widget file in `dir`. */
export function widgetFileHandler(dir: string, file: WidgetFile): (c: Context) => Promise<Response> {
  const path = join(dir, file);
  let loaded: Loaded | undefined;

  const load = async (): Promise<Loaded | undefined> => {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    if (loaded?.mtimeMs !== info.mtimeMs || loaded.size !== info.size) {
      const body = new Uint8Array(await readFile(path));
      const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
      loaded = { mtimeMs: info.mtimeMs, size: info.size, body, etag: `"${hash}"` };
    }
    return loaded;
  };

  return async (c) => {
    const current = await load();
    if (!current) {
      return c.text(`${file} is not built: run \`npm run build:widget\` (it writes ${path}).`, 404, {
        'Access-Control-Allow-Origin': '*',
      });
    }
    const headers: Record<string, string> = { ...WIDGET_HEADERS, ETag: current.etag };
    if (etagMatches(c.req.header('if-none-match'), current.etag)) {
      return new Response(null, { status: 304, headers });
    }
    headers['Content-Type'] = widgetContentType(file);
    headers['Content-Length'] = String(current.body.byteLength);
    return new Response(current.body, { status: 200, headers });
  };
}
