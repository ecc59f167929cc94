/** The widget built by the real vite config (`npm run build:widget`) into a temporary directory. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '../..');

/** The directory that `npm run build:widget` writes `dist/widget` from, relative to the repository. */
export const WIDGET_OUT_DIR = 'dist/widget';

let built: Promise<string> | undefined;

/** Builds once per process; returns the directory holding calls-room.js, its map and `_headers`. */
export function buildWidget(): Promise<string> {
  built ??= (async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'calls-room-widget-'));
    await build({
      root,
      configFile: join(root, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    return outDir;
  })();
  return built;
}
