/**
 * `npm run agent-token -- <queue> <name> [sub]`: mints an agent token for a support line (the `agent` claim)
 * with this machine's TOKEN_SECRET (the environment's, else the local demo's kept in DATA_DIR), and prints it
 * with the desk demo's URL. For an operator; production backends call `createRoomToken({…, agent: true})`.
 */
import { persistedSecret } from './node-secret.ts';
import { DEFAULT_DATA_DIR } from './settings.ts';
import { createRoomToken } from './tokens.ts';

const [queue = 'support', name = 'Agent', sub = `agent-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`] =
  process.argv.slice(2);
const secret =
  process.env.TOKEN_SECRET?.trim() ||
  persistedSecret(process.env.DATA_DIR?.trim() || DEFAULT_DATA_DIR, 'token-secret');
const { token, expiresAt } = await createRoomToken({
  secret,
  sub,
  name,
  room: queue,
  role: 'host',
  agent: true,
  ttlSeconds: 12 * 3600,
});
const port = process.env.PORT?.trim() || '8787';
console.log(token);
console.error(
  `agent token for "${name}" on line "${queue}", valid until ${new Date(expiresAt).toISOString()}`,
);
console.error(`desk: http://127.0.0.1:${port}/desk.html?queue=${encodeURIComponent(queue)}#token=${token}`);
