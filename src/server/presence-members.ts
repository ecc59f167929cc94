/**
 * The members of one presence room and the effects a room hands back: the member table (who is in, who is
 * connected, where each user's breakout is) and the few helpers every part of the room uses to address them.
 * Pure data: no I/O, no clock.
 */
import type { ErrorMessage, Participant, PresenceErrorCode, ServerMessage } from '../protocol/presence.ts';

export type RoomEffect =
  | { kind: 'send'; to: string[]; message: ServerMessage }
  | { kind: 'close'; participantId: string; code: number; reason: string };

export interface Member {
  p: Participant;
  resumeToken: string;
  lastSeen: number;
  disconnectedAt: number | undefined;
}

/** A presence error message; `fatal` ones close the socket. */
export function presenceError(
  code: PresenceErrorCode,
  message: string,
  ref?: string,
  fatal?: boolean,
): ErrorMessage {
  const e: ErrorMessage = { type: 'error', code, message };
  if (ref !== undefined) e.ref = ref;
  if (fatal) e.fatal = true;
  return e;
}

/** One message to `to`, or nothing when nobody is there to get it. */
export const sendTo = (to: string[], message: ServerMessage): RoomEffect[] =>
  to.length > 0 ? [{ kind: 'send', to, message }] : [];

/** The participants of a room, by participant id. */
export class Members {
  private readonly byId = new Map<string, Member>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Member | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  add(member: Member): void {
    this.byId.set(member.p.id, member);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  clear(): void {
    this.byId.clear();
  }

  all(): Member[] {
    return [...this.byId.values()];
  }

  /** Every participant of user `sub` (a user may hold several: tabs, devices). */
  ofUser(sub: string): Member[] {
    return this.all().filter((m) => m.p.userId === sub);
  }

  hasUser(sub: string): boolean {
    for (const m of this.byId.values()) if (m.p.userId === sub) return true;
    return false;
  }

  /** The users with a participant in the room. */
  users(): string[] {
    return [...new Set(this.all().map((m) => m.p.userId))];
  }

  connectedIds(except?: string): string[] {
    const ids: string[] = [];
    for (const m of this.byId.values()) if (m.p.connected && m.p.id !== except) ids.push(m.p.id);
    return ids;
  }

  /** The user's breakout (null: the main room); undefined when the user is not in presence. */
  breakoutOf(sub: string): string | null | undefined {
    for (const m of this.byId.values()) if (m.p.userId === sub) return m.p.breakout;
    return undefined;
  }

  toAll(message: ServerMessage): RoomEffect[] {
    return sendTo(this.connectedIds(), message);
  }

  toOthers(member: Member, message: ServerMessage): RoomEffect[] {
    return sendTo(this.connectedIds(member.p.id), message);
  }

  /** Everyone's breakout, for the `breakouts` message. */
  breakoutsMessage(): RoomEffect[] {
    const assignments: Record<string, string | null> = {};
    for (const m of this.byId.values()) assignments[m.p.id] = m.p.breakout;
    return this.toAll({ type: 'breakouts', assignments });
  }
}
