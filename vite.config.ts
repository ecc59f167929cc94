/**
 * Builds, by mode:
 * - default (`vite build`): `dist/widget/calls-room.js`, the ES module for a script tag, Lit included, with
 *   only src/elements, src/client and src/protocol in it, the call engine's chunk `calls-room-engine.js`
 *   (loaded as an element connects), the composite recorder's chunk `calls-room-recorder.js` (loaded only
 *   when a host records) and the other lazy chunks
 *   `calls-room-*.js` (below), their source maps and the `_headers` file of Workers static assets.
 *   `npm start` and the Worker serve them all at `/<file>` (src/server/widget-headers.ts lists them).
 * - `lib`: the npm library (`dist/lib`, one module per source file, Lit external); types come from
 *   `tsc -p tsconfig.build.json`.
 * - `demo`: the demo pages into `dist/demo`, which `npm start` serves.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
// Vite's bundler; its MagicString keeps source maps right through the template minifiers below.
import { RolldownMagicString } from 'rolldown';
import { defineConfig, parseAst, type Plugin } from 'vite';
import { DASHBOARD_FILES } from './src/server/dashboard-page.ts';
import { assetsHeadersFile } from './src/server/widget-headers.ts';

const root = import.meta.dirname;

/** Collapses whitespace in the elements' `css` templates (Lit leaves CSS as written). */
function minifyLitCss(): Plugin {
  return {
    name: 'minify-lit-css',
    transform(code, id) {
      if (!id.endsWith('.styles.ts')) return null;
      // Edits through MagicString, so the source map still points at the right lines.
      const out = new RolldownMagicString(code);
      for (const m of code.matchAll(/css`([^`]*)`/g)) {
        const body = m[1]!;
        const min = body
          .replace(/\/\*[^]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{};,>])\s*/g, '$1')
          .replace(/:\s+/g, ':')
          .replace(/;}/g, '}')
          .trim();
        const start = m.index + 'css`'.length;
        if (min !== body) out.update(start, start + body.length, min);
      }
      return { code: out };
    },
  };
}

/**
 * Collapses each run of whitespace that holds a line break to one space in the static text of the
 * elements' `html` and `svg` templates (indentation from formatting). One space renders the same as the
 * run outside `white-space: pre`, which no template text is in; expressions are not touched.
 */
function minifyLitHtml(): Plugin {
  return {
    name: 'minify-lit-html',
    transform(code, id) {
      if (!/\/src\/elements\/[^/]+\.ts$/.test(id) || id.endsWith('.styles.ts')) return null;
      const edits: { start: number; end: number; text: string }[] = [];
      const visit = (node: unknown): void => {
        if (!node || typeof node !== 'object') return;
        if (Array.isArray(node)) return node.forEach(visit);
        const n = node as Record<string, unknown> & { type?: string };
        if (n.type === 'TaggedTemplateExpression') {
          const tag = n.tag as { type: string; name?: string };
          const quasi = n.quasi as { quasis: { start: number; value: { raw: string } }[] };
          if (tag.type === 'Identifier' && (tag.name === 'html' || tag.name === 'svg')) {
            for (const { start, value } of quasi.quasis) {
              // A quasi's span includes its delimiters: the raw text starts after "`" or "}".
              const from = start + 1;
              const to = from + value.raw.length;
              if (code.slice(from, to) !== value.raw) continue;
              const text = value.raw.replace(/\s*\n\s*/g, ' ');
              if (text !== value.raw) edits.push({ start: from, end: to, text });
            }
          }
        }
        for (const key of Object.keys(n)) if (key !== 'parent') visit(n[key]);
      };
      visit(parseAst(code, { lang: 'ts' }));
      if (edits.length === 0) return null;
      const out = new RolldownMagicString(code);
      for (const e of edits) out.update(e.start, e.end, e.text);
      return { code: out };
    },
  };
}

/** Writes `_headers` beside the bundle: the Worker's static assets then send what Node sends. */
function assetsHeaders(): Plugin {
  return {
    name: 'assets-headers',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: assetsHeadersFile() });
    },
  };
}

/**
 * Copies uPlot's files to `dashboard/` beside the bundle, for the Worker's `/dashboard` (Workers static
 * assets); Node reads them from the package. Only the dashboard page loads them, never calls-room.js.
 */
function dashboardFiles(): Plugin {
  const require = createRequire(import.meta.url);
  return {
    name: 'dashboard-files',
    generateBundle() {
      for (const [name, path] of Object.entries(DASHBOARD_FILES)) {
        this.emitFile({
          type: 'asset',
          fileName: `dashboard/${name}`,
          source: readFileSync(require.resolve(path)),
        });
      }
    },
  };
}

/** Names of the lazy chunks by their entry module (`calls-room-<name>.js`); widget-headers.ts lists them. */
const CHUNK_NAMES: Record<string, string> = {
  'calls-room.queue': 'queue',
  'call-analytics': 'analytics',
  'stats-sampler': 'stats',
  'strings-de': 'strings-de',
  // src/client/room.ts, loaded by src/elements/calls-room.engine.ts
  room: 'engine',
};

export default defineConfig(({ mode }) => {
  if (mode === 'demo') {
    return {
      plugins: [minifyLitCss(), minifyLitHtml()],
      root: resolve(root, 'demo'),
      base: './',
      publicDir: false,
      build: {
        outDir: resolve(root, 'dist/demo'),
        emptyOutDir: true,
        target: 'es2022',
        rollupOptions: {
          input: {
            index: resolve(root, 'demo/index.html'),
            room: resolve(root, 'demo/room.html'),
            support: resolve(root, 'demo/support.html'),
            desk: resolve(root, 'demo/desk.html'),
          },
        },
      },
    };
  }
  if (mode === 'lib') {
    return {
      build: {
        outDir: 'dist/lib',
        emptyOutDir: true,
        target: 'es2022',
        minify: false,
        lib: {
          // The desk is its own entry: agents' pages import it, customers' pages never load it.
          entry: {
            index: resolve(root, 'src/elements/index.ts'),
            'calls-desk': resolve(root, 'src/elements/calls-desk.ts'),
          },
          formats: ['es'],
        },
        rollupOptions: {
          external: [/^lit/, /^@lit\//],
          output: { preserveModules: true, preserveModulesRoot: 'src', entryFileNames: '[name].js' },
        },
      },
    };
  }
  return {
    plugins: [minifyLitCss(), minifyLitHtml(), assetsHeaders(), dashboardFiles()],
    build: {
      outDir: 'dist/widget',
      emptyOutDir: true,
      target: 'es2022',
      reportCompressedSize: true,
      minify: true,
      sourcemap: true,
      lib: {
        // index.ts's exports but `Room` (in the engine chunk; `loadRoom()` gives it).
        entry: resolve(root, 'src/elements/widget.ts'),
        formats: ['es'],
        fileName: () => 'calls-room.js',
      },
      // No comments at all: the file is not bundled again, so `/* @__PURE__ */` annotations are dead weight.
      // Optional parts are chunks beside `calls-room.js`, imported dynamically and loaded relative to it, so
      // calls-room.js stays within its 30 KB gzip budget (test/demo/bundle-budget.node.test.ts):
      // `calls-room-engine.js` (the call engine: `Room` and what only it needs; every element starts loading
      // it as it connects, and `join()` waits for it), `calls-room-recorder.js` (the composite recorder, when a host records; self-contained, see
      // test/server/recording-units.node.test.ts), `calls-room-queue.js` (the support line's waiting view,
      // with `queue`), `calls-room-analytics.js` (the analytics reporter, loaded as a Room starts),
      // `calls-room-stats.js` (the stats sampler, as a call starts) and `calls-room-strings-de.js` (the
      // German table, for `lang="de"`).
      // 'allow-extension' lets code shared with a chunk stay in calls-room.js (the chunk imports it from
      // `./calls-room.js`, the same URL and so the same module instance) instead of a third shared chunk.
      rollupOptions: {
        preserveEntrySignatures: 'allow-extension',
        output: {
          minify: true,
          comments: false,
          chunkFileNames: (chunk) => `calls-room-${CHUNK_NAMES[chunk.name] ?? chunk.name}.js`,
        },
      },
    },
  };
});
