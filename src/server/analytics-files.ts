/**
 * Node's embedded analytics store: every accepted message appended as one NDJSON line to a file per UTC
 * day under `DATA_DIR/analytics/` (the raw batches, as R2 keeps them on Workers), and the figures held in
 * memory (`MemoryAnalytics`), rebuilt from the files at start. A torn or unreadable line (a crash
 * mid-append, a file edited by hand) is skipped: one bad line never stops the rest. Nothing to install.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalyticsBackend, AnalyticsMessage, AnalyticsSink } from './analytics-digest.ts';
import { MemoryAnalytics } from './analytics-memory.ts';
import { analyticsBatchSchema } from './analytics-schema.ts';

const FILE = /^raw-\d{4}-\d{2}-\d{2}\.ndjson$/;

export class FileAnalytics implements AnalyticsSink, AnalyticsBackend {
  readonly reader = new MemoryAnalytics();
  readonly dir: string;
  /** Lines skipped at start (torn or not a message). */
  readonly skipped: number = 0;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'analytics');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    let skipped = 0;
    const files = readdirSync(this.dir)
      .filter((f) => FILE.test(f))
      .sort();
    for (const f of files) {
      for (const line of readFileSync(join(this.dir, f), 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const message = parseLine(line);
        if (message) this.reader.apply(message);
        else skipped++;
      }
    }
    this.skipped = skipped;
  }

  get sink(): AnalyticsSink {
    return this;
  }

  submit(message: AnalyticsMessage): Promise<void> {
    if (this.reader.apply(message)) {
      const day = new Date(message.receivedAt).toISOString().slice(0, 10);
      const file = join(this.dir, `raw-${day}.ndjson`);
      appendFileSync(file, `${JSON.stringify(message)}\n`, { mode: 0o600 });
    }
    return Promise.resolve();
  }
}

/** A stored line, checked again: the files are ours, but a damaged one must not poison the figures. */
function parseLine(line: string): AnalyticsMessage | undefined {
  try {
    const m = JSON.parse(line) as AnalyticsMessage;
    if (typeof m.receivedAt !== 'number') return undefined;
    if (m.origin === 'client' && typeof m.sub === 'string') {
      const batch = analyticsBatchSchema.safeParse(m.batch);
      return batch.success ? { ...m, batch: batch.data } : undefined;
    }
    if (m.origin === 'server' && typeof m.room === 'string' && Array.isArray(m.events)) return m;
    return undefined;
  } catch {
    return undefined;
  }
}
