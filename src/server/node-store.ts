/**
 * The Node backend's embedded store for what must outlive a restart: which user (and role) owns which Calls
 * session in which room, and who was removed from a room. The Worker keeps the same in Durable Object storage.
 *
 * One append-only JSON-lines log in `DATA_DIR`, replayed at start and then rewritten as a snapshot (to a
 * temporary file renamed over the log, so a crash leaves either the old or the new file). A torn last line (a
 * crash mid-append) is skipped. Writes are synchronous and small; nothing else needs installing.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoomRole } from '../protocol/token.ts';
import type { SessionBinding } from './session-bindings.ts';

export interface StoredRoom {
  sessions: Map<string, SessionBinding>;
  banned: Set<string>;
}

type Entry =
  | { op: 'bind'; room: string; sessionId: string; sub: string; role: RoomRole; boundAt: number }
  | { op: 'unbind'; room: string; sessionId: string }
  | { op: 'ban'; room: string; sub: string };

const FILE = 'rooms.jsonl';
/** Rewrite the log once it holds this many more lines than the snapshot would. */
const COMPACT_SLACK = 1000;

export class FileRoomStore {
  private readonly file: string;
  private readonly data = new Map<string, StoredRoom>();
  private lines = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, FILE);
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          this.apply(JSON.parse(line) as Entry);
        } catch {
          // A torn line from a crash mid-write: what it said is lost, the rest stands.
        }
      }
    }
    this.compact();
  }

  /** Every room with something stored. */
  rooms(): Map<string, StoredRoom> {
    return this.data;
  }

  bind(room: string, sessionId: string, b: SessionBinding): void {
    this.write({ op: 'bind', room, sessionId, sub: b.sub, role: b.role, boundAt: b.boundAt });
  }

  /** Brings the stored room in line with the live one: drops forgotten bindings, adds new removals. */
  sync(room: string, liveSessions: Iterable<string>, banned: Iterable<string>): void {
    const stored = this.data.get(room);
    const live = new Set(liveSessions);
    for (const sessionId of [...(stored?.sessions.keys() ?? [])]) {
      if (!live.has(sessionId)) this.write({ op: 'unbind', room, sessionId });
    }
    for (const sub of banned) if (!stored?.banned.has(sub)) this.write({ op: 'ban', room, sub });
  }

  private write(entry: Entry): void {
    this.apply(entry);
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    if (++this.lines > this.size() + COMPACT_SLACK) this.compact();
  }

  private apply(e: Entry): void {
    let r = this.data.get(e.room);
    if (!r) {
      r = { sessions: new Map(), banned: new Set() };
      this.data.set(e.room, r);
    }
    if (e.op === 'bind') r.sessions.set(e.sessionId, { sub: e.sub, role: e.role, boundAt: e.boundAt });
    else if (e.op === 'unbind') r.sessions.delete(e.sessionId);
    else r.banned.add(e.sub);
    if (r.sessions.size === 0 && r.banned.size === 0) this.data.delete(e.room);
  }

  private size(): number {
    let n = 0;
    for (const r of this.data.values()) n += r.sessions.size + r.banned.size;
    return n;
  }

  /** Rewrites the log as the current state. */
  private compact(): void {
    const out: string[] = [];
    for (const [room, r] of this.data) {
      for (const [sessionId, b] of r.sessions)
        out.push(JSON.stringify({ op: 'bind', room, sessionId, ...b }));
      for (const sub of r.banned) out.push(JSON.stringify({ op: 'ban', room, sub }));
    }
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, out.map((l) => `${l}\n`).join(''), { mode: 0o600 });
    renameSync(tmp, this.file);
    this.lines = out.length;
  }
}
