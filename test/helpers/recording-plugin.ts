/**
 * web-test-runner plugin for the recording tests: the server command `calls-probe-recording` downloads a
 * recording (the listing's `downloadUrl`) in Node and answers what Debian's ffprobe/ffmpeg find in it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestRunnerPlugin } from '@web/test-runner';
import { probe, type Probe } from './ffprobe.ts';

export const PROBE_RECORDING = 'calls-probe-recording';

export interface ProbeRequest {
  url: string;
}

export type { Probe };

export function recordingProbePlugin(): TestRunnerPlugin {
  return {
    name: 'calls-recording-probe',
    async executeCommand({ command, payload }) {
      if (command !== PROBE_RECORDING) return undefined;
      const { url } = payload as ProbeRequest;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`download ${url}: HTTP ${response.status}`);
      const dir = mkdtempSync(join(tmpdir(), 'calls-recording-probe-'));
      try {
        const path = join(dir, 'recording.webm');
        writeFileSync(path, new Uint8Array(await response.arrayBuffer()));
        return { ...(await probe(path)), bytes: Number(response.headers.get('content-length')) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
