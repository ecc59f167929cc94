/**
 * Which addresses the SFU's media announces as ICE-lite host candidates, and which local address each one is
 * bound to. A browser as users have it gathers no candidate on loopback: it checks a 127.0.0.1 candidate
 * only from its interface addresses, which reaches the SFU on the same machine alone, and a phone on the LAN
 * not at all. So by default the SFU announces every interface address, 127.0.0.1 last.
 */
import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** One host candidate: the address written into the SDP and the local address its socket binds. */
export interface MediaAddress {
  announce: string;
  /** A local address, or the family's wildcard (`0.0.0.0`, `::`) for an announced address that is not local. */
  bind: string;
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * Every non-internal interface address, IPv4 first, then IPv6, then 127.0.0.1. IPv6 link-local addresses
 * (fe80::/10) are left out: they need a scope id, which a candidate cannot carry.
 */
export function detectAddresses(interfaces: Interfaces = networkInterfaces()): string[] {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  const external = all.filter((i) => !i.internal);
  const v4 = external.filter((i) => i.family === 'IPv4').map((i) => i.address);
  const v6 = external.filter((i) => i.family === 'IPv6' && !isLinkLocal(i.address)).map((i) => i.address);
  return [...new Set([...v4, ...v6, '127.0.0.1'])];
}

/** `SFU_ANNOUNCED_IP`: a comma-separated list of IP addresses. Throws with what is wrong. */
export function parseAnnouncedIps(value: string): string[] {
  const ips = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (!ips.length) throw new Error('SFU_ANNOUNCED_IP must list at least one IP address');
  for (const ip of ips) {
    if (!isIP(ip)) throw new Error(`SFU_ANNOUNCED_IP must be IP addresses separated by commas, got "${ip}"`);
  }
  return [...new Set(ips)];
}

/**
 * What a new session announces: `announced` when given (NAT, containers, LAN demos), else an explicit
 * unicast `host` (the SFU bound to one interface), else every interface address (looked up per session, so
 * a laptop that changed networks announces its new address).
 */
export function announcedAddresses(
  announced: readonly string[] | undefined,
  host: string | undefined,
  interfaces: Interfaces = networkInterfaces(),
): string[] {
  if (announced?.length) return [...announced];
  if (host && isIP(host) && !isWildcard(host) && !isLoopback(host)) return [host];
  return detectAddresses(interfaces);
}

/**
 * Binds each announced address that is local to itself, so that replies leave from the address the browser
 * checked (a wildcard socket on a machine with several addresses may answer from another one, and the
 * browser drops such a response); an address that is not local (behind NAT) gets its family's wildcard.
 */
export function mediaAddresses(
  announced: readonly string[],
  interfaces: Interfaces = networkInterfaces(),
): MediaAddress[] {
  const local = new Set(
    Object.values(interfaces)
      .flatMap((list) => list ?? [])
      .map((i) => i.address),
  );
  return announced.map((announce) => ({
    announce,
    bind: local.has(announce) ? announce : isIP(announce) === 6 ? '::' : '0.0.0.0',
  }));
}

function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}
