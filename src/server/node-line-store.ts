/**
 * The Node backend's store for support lines: one JSON file per queue under `DATA_DIR/lines/`, rewritten after
 * every change through a temporary file renamed over it (a crash leaves the old or the new state, never half).
 * Lines are short (`QUEUE_LENGTH_LIMIT`), so a whole-file write is a few hundred bytes to a few kilobytes.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOM_NAME_PATTERN } from '../protocol/token.ts';
import type { LineSnapshot } from './support-line.ts';

export class FileLineStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'lines');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Every stored line; a file that does not parse is skipped (and left for an operator to look at). */
  lines(): Map<string, LineSnapshot> {
    const out = new Map<string, LineSnapshot>();
    for (const file of readdirSync(this.dir)) {
      const queue = file.replace(/\.json$/, '');
      if (!file.endsWith('.json') || !ROOM_NAME_PATTERN.test(queue)) continue;
      try {
        out.set(queue, JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as LineSnapshot);
      } catch {
        // torn or edited by hand: not ours to guess
      }
    }
    return out;
  }

  save(queue: string, snapshot: LineSnapshot): void {
    const file = join(this.dir, `${queue}.json`);
    const empty =
      snapshot.tickets.length === 0 && snapshot.agents.length === 0 && snapshot.calls.length === 0;
    if (empty && snapshot.perPlace.length === 0) {
      if (existsSync(file)) rmSync(file, { force: true });
      return;
    }
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(snapshot), { mode: 0o600 });
    renameSync(tmp, file);
  }
}
