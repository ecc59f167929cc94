/**
 * Download tickets: a `<video src>` cannot send an Authorization header, so the listing hands hosts each
 * file's URL with a short-lived ticket in its query (HS256 with the token secret, for one recording of one
 * room). A ticket is no room token (no role, another `typ`) and a room token is no ticket.
 */
import { SignJWT, jwtVerify } from 'jose';

const TYP = 'calls-recording-download';
/** Long enough to start playing and seek about; a new listing gives new ones. */
export const TICKET_TTL_SECONDS = 15 * 60;

const key = (secret: string) => new TextEncoder().encode(secret);

export function createTicket(secret: string, room: string, id: string, now: number): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ room, rec: id })
    .setProtectedHeader({ alg: 'HS256', typ: TYP })
    .setIssuedAt(iat)
    .setExpirationTime(iat + TICKET_TTL_SECONDS)
    .sign(key(secret));
}

export async function ticketAllows(
  ticket: string,
  secret: string,
  room: string,
  id: string,
  now: number,
): Promise<boolean> {
  try {
    const { payload, protectedHeader } = await jwtVerify(ticket, key(secret), {
      algorithms: ['HS256'],
      currentDate: new Date(now),
    });
    return protectedHeader.typ === TYP && payload.room === room && payload.rec === id;
  } catch {
    return false;
  }
}
