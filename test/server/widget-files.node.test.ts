/** `npm start` serves the built widget at /calls-room.js: CORS for any origin, JavaScript, ETag and 304. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBackend, type RunningBackend } from '../../src/server/node-server.ts';
import { WIDGET_HEADERS } from '../../src/server/widget-headers.ts';
import { testSettings } from './helpers.ts';
import { buildWidget } from './widget-build.ts';

const SITE = 'https://site.example';

async function backendFor(widgetDir: string | false): Promise<RunningBackend> {
  return startBackend({
    settings: testSettings(),
    callsApi: 'http://127.0.0.1:9/v1',
    port: 0,
    staticDir: false,
    widgetDir,
    tickIntervalMs: false,
  });
}

void describe('the widget on Node', () => {
  let dir: string;
  let backend: RunningBackend;
  before(async () => {
    dir = await buildWidget();
    backend = await backendFor(dir);
  });
  after(() => backend.close());

  void it('serves calls-room.js to any origin as JavaScript, with an ETag and a short cache lifetime', async () => {
    const res = await fetch(`${backend.url}/calls-room.js`, { headers: { origin: SITE } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('etag') ?? '', /^"[\w-]{20,}"$/);
    const body = Buffer.from(await res.arrayBuffer());
    assert.deepEqual(body, await readFile(join(dir, 'calls-room.js')));
    // assert.ok, not assert.match: a failure would print the whole bundle.
    const text = body.toString();
    assert.ok(text.includes('customElements.define(`calls-room`'), 'defines <calls-room>');
    assert.ok(/\n\/\/# sourceMappingURL=calls-room\.js\.map\n?$/.test(text), 'points at its map');
  });

  void it('answers 304 without a body when the ETag matches, 200 when it does not', async () => {
    const first = await fetch(`${backend.url}/calls-room.js`);
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await fetch(`${backend.url}/calls-room.js`, { headers: { 'if-none-match': ifNoneMatch } });
      assert.equal(res.status, 304, ifNoneMatch);
      assert.equal(res.headers.get('etag'), etag);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.equal(res.headers.get('cache-control'), WIDGET_HEADERS['Cache-Control']);
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    }
    const stale = await fetch(`${backend.url}/calls-room.js`, { headers: { 'if-none-match': '"old"' } });
    assert.equal(stale.status, 200);
    assert.ok((await stale.arrayBuffer()).byteLength > 10_000);
  });

  void it('serves the source map, which holds only the widget layers (elements, client, protocol) and Lit', async () => {
    const res = await fetch(`${backend.url}/calls-room.js.map`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.ok(res.headers.get('etag'));
    const map = (await res.json()) as { version: number; file: string; sources: string[] };
    assert.equal(map.version, 3);
    assert.equal(map.file, 'calls-room.js');
    const outside = map.sources.filter(
      (s) =>
        !/\/src\/(elements|client|protocol)\/[^/]+\.ts$/.test(s) &&
        !/\/node_modules\/(lit|lit-html|lit-element|@lit\/[^/]+)\//.test(s),
    );
    assert.deepEqual(outside, []);
  });

  void it('answers HEAD with the headers and no body', async () => {
    const res = await fetch(`${backend.url}/calls-room.js`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.ok(Number(res.headers.get('content-length')) > 10_000);
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });
});

void describe('the widget on Node, around the build', () => {
  void it('serves a rebuilt file with a new ETag, without a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'calls-room-widget-'));
    await writeFile(join(dir, 'calls-room.js'), 'export const v = 1;\n');
    const backend = await backendFor(dir);
    try {
      const one = await fetch(`${backend.url}/calls-room.js`);
      assert.equal(await one.text(), 'export const v = 1;\n');
      await writeFile(join(dir, 'calls-room.js'), 'export const v = 22;\n');
      const two = await fetch(`${backend.url}/calls-room.js`, {
        headers: { 'if-none-match': one.headers.get('etag')! },
      });
      assert.equal(two.status, 200);
      assert.notEqual(two.headers.get('etag'), one.headers.get('etag'));
      assert.equal(await two.text(), 'export const v = 22;\n');
    } finally {
      await backend.close();
    }
  });

  void it('says how to build it when it is not built, and serves nothing with widgetDir: false', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'calls-room-widget-'));
    const backend = await backendFor(empty);
    try {
      const res = await fetch(`${backend.url}/calls-room.js`);
      assert.equal(res.status, 404);
      assert.match(await res.text(), /npm run build:widget/);
    } finally {
      await backend.close();
    }
    const none = await backendFor(false);
    try {
      const res = await fetch(`${none.url}/calls-room.js`);
      assert.equal(res.status, 404);
      assert.doesNotMatch(await res.text(), /build:widget/);
    } finally {
      await none.close();
    }
  });
});
