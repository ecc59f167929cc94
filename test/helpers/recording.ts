/** Browser side of `recording-plugin.ts`, and the listing as a host reads it. */
import { executeServerCommand } from '@web/test-runner-commands';
import type { RecordingInfo } from '../../src/protocol/recording.ts';
import type { Probe, PROBE_RECORDING, ProbeRequest } from './recording-plugin.ts';

/** ffprobe's and ffmpeg's findings on the file behind `url` (downloaded by the test runner). */
export function probeRecording(url: string): Promise<Probe & { bytes: number }> {
  const command: typeof PROBE_RECORDING = 'calls-probe-recording';
  return executeServerCommand<Probe & { bytes: number }, ProbeRequest>(command, { url });
}

export async function listRecordings(
  endpoint: string,
  room: string,
  hostToken: string,
): Promise<RecordingInfo[]> {
  const response = await fetch(`${endpoint}/recordings?room=${encodeURIComponent(room)}`, {
    headers: { authorization: `Bearer ${hostToken}` },
  });
  if (!response.ok) throw new Error(`list: HTTP ${response.status}`);
  return ((await response.json()) as { recordings: RecordingInfo[] }).recordings;
}
