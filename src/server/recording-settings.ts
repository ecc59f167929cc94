/**
 * Recording settings (environment variables, like settings.ts, kept apart so recording is one concern):
 * - `RECORDINGS_DIR` (Node): where recordings go; default `recordings` in the data directory (`DATA_DIR`).
 * - `RECORDINGS_S3_ENDPOINT`, `RECORDINGS_S3_BUCKET`, `RECORDINGS_S3_ACCESS_KEY_ID`,
 *   `RECORDINGS_S3_SECRET_ACCESS_KEY`, `RECORDINGS_S3_REGION` (default `auto`) (Node): an S3-compatible
 *   bucket (R2's S3 API included) instead of the directory, when the first four are set.
 * - `RECORDING_RETENTION_DAYS` (default 30): finished recordings older than this are deleted.
 * - `RECORDING_TIMEOUT_SECONDS` (default 30): a recording with no chunk for this long is finalized `partial`.
 * On Workers the store is the R2 binding `RECORDINGS` (wrangler.toml); without it there are no recordings.
 */
import { z } from 'zod';
import type { S3Options } from './recording-store-s3.ts';
import { SettingsError } from './settings.ts';

export interface RecordingSettings {
  /** Node's directory (unused with `s3`). */
  dir: string | undefined;
  s3: S3Options | undefined;
  retentionDays: number;
  timeoutMs: number;
}

const text = z.string().trim().min(1);
const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const schema = z.object({
  RECORDINGS_DIR: text.optional(),
  RECORDINGS_S3_ENDPOINT: z
    .string()
    .trim()
    .url()
    .refine((v) => /^https?:\/\//.test(v), 'expected an http(s) URL')
    .optional(),
  RECORDINGS_S3_BUCKET: text.optional(),
  RECORDINGS_S3_ACCESS_KEY_ID: text.optional(),
  RECORDINGS_S3_SECRET_ACCESS_KEY: text.optional(),
  RECORDINGS_S3_REGION: text.optional(),
  RECORDING_RETENTION_DAYS: int(1, 36_500).optional(),
  RECORDING_TIMEOUT_SECONDS: int(5, 3_600).optional(),
});

export const RECORDING_SETTING_NAMES = Object.keys(schema.shape);

const S3_REQUIRED = [
  'RECORDINGS_S3_ENDPOINT',
  'RECORDINGS_S3_BUCKET',
  'RECORDINGS_S3_ACCESS_KEY_ID',
  'RECORDINGS_S3_SECRET_ACCESS_KEY',
] as const;

export function parseRecordingSettings(
  env: Record<string, unknown>,
  dataDir: string | undefined,
): RecordingSettings {
  const cleaned: Record<string, string> = {};
  for (const name of RECORDING_SETTING_NAMES) {
    const value = env[name];
    if (typeof value === 'string' && value.trim() !== '') cleaned[name] = value;
  }
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new SettingsError(`Invalid settings:\n  ${lines.join('\n  ')}`);
  }
  const s = parsed.data;
  const given = S3_REQUIRED.filter((name) => s[name] !== undefined);
  if (given.length > 0 && given.length < S3_REQUIRED.length) {
    const missing = S3_REQUIRED.filter((name) => s[name] === undefined);
    throw new SettingsError(
      `Missing settings: ${missing.join(', ')} (an S3 bucket for recordings needs all four)`,
    );
  }
  return {
    // Runs in the Worker too: no node:path.
    dir:
      s.RECORDINGS_DIR ?? (dataDir !== undefined ? `${dataDir.replace(/\/+$/, '')}/recordings` : undefined),
    s3:
      given.length === S3_REQUIRED.length
        ? {
            endpoint: s.RECORDINGS_S3_ENDPOINT!,
            bucket: s.RECORDINGS_S3_BUCKET!,
            accessKeyId: s.RECORDINGS_S3_ACCESS_KEY_ID!,
            secretAccessKey: s.RECORDINGS_S3_SECRET_ACCESS_KEY!,
            region: s.RECORDINGS_S3_REGION ?? 'auto',
          }
        : undefined,
    retentionDays: s.RECORDING_RETENTION_DAYS ?? 30,
    timeoutMs: (s.RECORDING_TIMEOUT_SECONDS ?? 30) * 1000,
  };
}
