/**
 * The embedded SFU alone in a child process of `bench:sfu` (forked by ours-sfu.ts), so the CPU the bench reads
 * from /proc is the SFU's only. Answers `stats` requests over the IPC channel with the SFU's own counters.
 */
import { startSfu } from '../src/sfu/server.ts';

export type ToSfuProcess = { type: 'stats'; id: number } | { type: 'close' };
export type FromSfuProcess =
  | { type: 'ready'; url: string; appId: string; appSecret: string }
  | { type: 'stats'; id: number; forwardedPackets: number; cpuUs: number; rssBytes: number };

const send = (m: FromSfuProcess) => process.send?.(m);

if (!process.send) throw new Error('bench/sfu-process.ts runs as a forked child of bench/sfu.ts');
const sfu = await startSfu({ port: 0 });
process.on('message', (m: ToSfuProcess) => {
  switch (m.type) {
    case 'stats': {
      const cpu = process.cpuUsage();
      send({
        type: 'stats',
        id: m.id,
        forwardedPackets: sfu.stats().forwardedPackets,
        cpuUs: cpu.user + cpu.system,
        rssBytes: process.memoryUsage().rss,
      });
      break;
    }
    case 'close':
      void sfu.close().finally(() => process.exit(0));
      break;
  }
});
// The parent gone (crashed bench): go too, rather than linger in the namespace.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', url: sfu.url, appId: sfu.appId, appSecret: sfu.appSecret });
