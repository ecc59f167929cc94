/** The embedded SFU's media settings from the environment, shared by `npm run sfu` and `npm start`. */
import { parseAnnouncedIps } from './addresses.ts';
import type { SfuOptions } from './server.ts';

export type SfuEnvOptions = Pick<SfuOptions, 'host' | 'announcedIp' | 'rtpPortRange'>;

/** `SFU_HOST`, `SFU_ANNOUNCED_IP`, `SFU_RTP_PORTS`; throws an Error naming the setting that is wrong. */
export function sfuOptionsFromEnv(env: Record<string, string | undefined>): SfuEnvOptions {
  const options: SfuEnvOptions = {};
  const host = env.SFU_HOST?.trim();
  if (host) options.host = host;
  if (env.SFU_ANNOUNCED_IP !== undefined && env.SFU_ANNOUNCED_IP.trim() !== '') {
    options.announcedIp = parseAnnouncedIps(env.SFU_ANNOUNCED_IP);
  }
  if (env.SFU_RTP_PORTS) {
    const m = /^(\d+)-(\d+)$/.exec(env.SFU_RTP_PORTS.trim());
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2]);
    if (!m || lo < 1 || lo >= hi || hi > 65535) {
      throw new Error(`SFU_RTP_PORTS must look like 40000-40100, got "${env.SFU_RTP_PORTS}"`);
    }
    options.rtpPortRange = [lo, hi];
  }
  return options;
}
