/**
 * A secret generated once and kept in `DATA_DIR`, so what it signs outlives a restart: the local demo's
 * `TOKEN_SECRET` (with the embedded SFU and no `TOKEN_SECRET` set), without which every room token in use would
 * be invalid after `npm start` restarts. The file is readable by its owner only.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function persistedSecret(dir: string, name: string): string {
  const file = join(dir, name);
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(kept)) return kept;
  } catch {
    // not there yet
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
