/** `npm run sfu`: the embedded SFU alone. Settings from the environment; see README "The embedded SFU". */
import { startSfu } from './server.ts';

function fail(message: string): never {
  console.error(`sfu: ${message}`);
  process.exit(1);
}

const env = process.env;
const port = Number(env.PORT ?? '7878');
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`PORT must be a port number, got "${env.PORT}"`);
let rtpPortRange: [number, number] | undefined;
if (env.SFU_RTP_PORTS) {
  const m = /^(\d+)-(\d+)$/.exec(env.SFU_RTP_PORTS);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || lo >= hi || hi > 65535)
    fail(`SFU_RTP_PORTS must look like 40000-40100, got "${env.SFU_RTP_PORTS}"`);
  rtpPortRange = [lo, hi];
}
if (env.CALLS_APP_SECRET !== undefined && env.CALLS_APP_SECRET.length < 16) {
  fail('CALLS_APP_SECRET must be at least 16 characters');
}

const sfu = await startSfu({
  port,
  host: env.SFU_HOST ?? '127.0.0.1',
  ...(env.CALLS_APP_ID ? { appId: env.CALLS_APP_ID } : {}),
  ...(env.CALLS_APP_SECRET ? { appSecret: env.CALLS_APP_SECRET } : {}),
  ...(env.SFU_ANNOUNCED_IP ? { announcedIp: env.SFU_ANNOUNCED_IP } : {}),
  ...(rtpPortRange ? { rtpPortRange } : {}),
});
console.log(`Calls-compatible SFU at ${sfu.url}`);
console.log(`  CALLS_APP_ID=${sfu.appId}`);
if (!env.CALLS_APP_SECRET)
  console.log(`  CALLS_APP_SECRET=${sfu.appSecret}  (generated; set CALLS_APP_SECRET to choose one)`);

const stop = () => void sfu.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
