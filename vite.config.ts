/**
 * Builds, by mode:
 * - default (`vite build`): `dist/calls-room.js`, the single-file ES module for a script tag, Lit included,
 *   with only src/elements, src/client and src/protocol in it.
 * - `lib`: the npm library (`dist/lib`, one module per source file, Lit external); types come from
 *   `tsc -p tsconfig.build.json`.
 * - `demo`: the demo pages into `dist/demo`, which `npm start` serves.
 */
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const root = import.meta.dirname;

/** Collapses whitespace in the elements' `css` templates (Lit leaves CSS as written). */
function minifyLitCss(): Plugin {
  return {
    name: 'minify-lit-css',
    transform(code, id) {
      if (!id.endsWith('.styles.ts')) return null;
      return code.replace(/css`([^`]*)`/g, (_m, body: string) => {
        const min = body
          .replace(/\/\*[^]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{};,>])\s*/g, '$1')
          .replace(/:\s+/g, ':')
          .replace(/;}/g, '}')
          .trim();
        return `css\`${min}\``;
      });
    },
  };
}

export default defineConfig(({ mode }) => {
  if (mode === 'demo') {
    return {
      plugins: [minifyLitCss()],
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
        lib: { entry: { index: resolve(root, 'src/elements/index.ts') }, formats: ['es'] },
        rollupOptions: {
          external: [/^lit/, /^@lit\//],
          output: { preserveModules: true, preserveModulesRoot: 'src', entryFileNames: '[name].js' },
        },
      },
    };
  }
  return {
    plugins: [minifyLitCss()],
    build: {
      outDir: 'dist',
      emptyOutDir: false,
      target: 'es2022',
      reportCompressedSize: true,
      minify: true,
      lib: {
        entry: resolve(root, 'src/elements/index.ts'),
        formats: ['es'],
        fileName: () => 'calls-room.js',
      },
      rollupOptions: { output: { codeSplitting: false, minify: true } },
    },
  };
});
