/**
 * Analytics on Node: the embedded store (files under `DATA_DIR/analytics/`, or memory only without a data
 * directory) and the dashboard's uPlot files, read from the installed package.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Context } from 'hono';
import type { AnalyticsBackend, AnalyticsMessage } from './analytics-digest.ts';
import { FileAnalytics } from './analytics-files.ts';
import { MemoryAnalytics } from './analytics-memory.ts';
import { DASHBOARD_FILES } from './dashboard-page.ts';

export function nodeAnalytics(dataDir: string | undefined): AnalyticsBackend {
  if (dataDir !== undefined) return new FileAnalytics(dataDir);
  const reader = new MemoryAnalytics();
  return {
    reader,
    sink: {
      submit: (message: AnalyticsMessage) => {
        reader.apply(message);
        return Promise.resolve();
      },
    },
  };
}

const require = createRequire(import.meta.url);

/** `GET /dashboard/uplot.js` and `/dashboard/uplot.css` (read once). */
export function dashboardFileHandler(name: keyof typeof DASHBOARD_FILES): (c: Context) => Response {
  let body: string | undefined;
  const type = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
  return (c) => {
    body ??= readFileSync(require.resolve(DASHBOARD_FILES[name]), 'utf8');
    c.header('content-type', type);
    c.header('cache-control', 'public, max-age=3600');
    c.header('x-content-type-options', 'nosniff');
    return c.body(body);
  };
}
