/** `npm run sfu`: the embedded SFU alone. Settings from the environment; see README "The embedded SFU". */
import { sfuOptionsFromEnv, type SfuEnvOptions } from './env.ts';
import { startSfu } from './server.ts';

function fail(message: string): never {
  console.error(`sfu: ${message}`);
  process.exit(1);
}

const env = process.env;
const port = Number(env.PORT ?? '7878');
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`PORT must be a port number, got "${env.PORT}"`);
let media: SfuEnvOptions = {};
try {
  media = sfuOptionsFromEnv(env);
} catch (error) {
  fail((error as Error).message);
}
if (env.CALLS_APP_SECRET !== undefined && env.CALLS_APP_SECRET.length < 16) {
  fail('CALLS_APP_SECRET must be at least 16 characters');
}

const sfu = await startSfu({
  port,
  ...media,
  ...(env.CALLS_APP_ID ? { appId: env.CALLS_APP_ID } : {}),
  ...(env.CALLS_APP_SECRET ? { appSecret: env.CALLS_APP_SECRET } : {}),
});
console.log(`Calls-compatible SFU at ${sfu.url}`);
console.log(`  media on ${sfu.announcedAddresses().join(', ')}  (set SFU_ANNOUNCED_IP to announce others)`);
console.log(`  CALLS_APP_ID=${sfu.appId}`);
if (!env.CALLS_APP_SECRET)
  console.log(`  CALLS_APP_SECRET=${sfu.appSecret}  (generated; set CALLS_APP_SECRET to choose one)`);

const stop = () => void sfu.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
