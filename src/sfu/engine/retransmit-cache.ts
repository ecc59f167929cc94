/**
 * The SRTP datagrams one subscriber m-line sent lately, by sequence number, so a NACK is answered from the
 * SFU's own copy. A plain retransmission resends the very bytes sent before: the same SRTP index must not be
 * protected twice with different content (with AES-GCM that would reuse a nonce).
 */

/** One datagram as `dgram` sends it: its parts in order. */
export type Datagram = readonly Buffer[];

export class RetransmitCache {
  private readonly seqs: Int32Array;
  private readonly datagrams: (Datagram | undefined)[];
  private readonly mask: number;

  /** Keeps the last `size` packets (a power of two; 512 is ~3 s of 1.5 Mbps video). */
  constructor(size = 512) {
    if (size < 1 || (size & (size - 1)) !== 0 || size > 0x8000) {
      throw new RangeError('retransmit cache size must be a power of two up to 32768');
    }
    this.mask = size - 1;
    this.seqs = new Int32Array(size).fill(-1);
    this.datagrams = new Array<Datagram | undefined>(size).fill(undefined);
  }

  put(sequenceNumber: number, datagram: Datagram): void {
    const i = sequenceNumber & this.mask;
    this.seqs[i] = sequenceNumber & 0xffff;
    this.datagrams[i] = datagram;
  }

  /** The datagram sent with `sequenceNumber`, if it is still held. */
  get(sequenceNumber: number): Datagram | undefined {
    const i = sequenceNumber & this.mask;
    return this.seqs[i] === (sequenceNumber & 0xffff) ? this.datagrams[i] : undefined;
  }

  clear(): void {
    this.seqs.fill(-1);
    this.datagrams.fill(undefined);
  }
}
