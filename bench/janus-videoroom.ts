/**
 * Janus under test: its VideoRoom plugin driven through the HTTP API (janus-api.ts). One room, one publisher
 * (join + configure with the browser's offer), each subscriber a handle of its own (join as subscriber to the
 * publisher's feed, then start with the browser's answer).
 */
import { JanusError, type JanusHandle, JanusSession } from './janus-api.ts';
import { startJanus, type RunningJanus } from './janus-process.ts';
import type { PublisherOffer, SfuUnderTest } from './sfu-under-test.ts';

const PLUGIN = 'janus.plugin.videoroom';

export class JanusVideoRoom implements SfuUnderTest {
  readonly name = 'janus';
  readonly wantsCandidates = true;
  private readonly room = 1000 + Math.floor(Math.random() * 1e6);
  private feed = 0;
  private readonly subscribers = new Map<string, JanusHandle>();

  private constructor(
    private readonly janus: RunningJanus,
    private readonly session: JanusSession,
  ) {}

  static async start(executable: string): Promise<JanusVideoRoom> {
    const janus = await startJanus(executable);
    try {
      return new JanusVideoRoom(janus, await JanusSession.create(janus.url));
    } catch (e) {
      await janus.close();
      throw e;
    }
  }

  get pid(): number {
    return this.janus.pid;
  }

  async publish(offer: PublisherOffer): Promise<string> {
    const handle = await this.session.attach(PLUGIN);
    await handle.message({
      request: 'create',
      room: this.room,
      publishers: 1,
      audiocodec: 'opus',
      videocodec: 'vp8',
    });
    const joined = await handle.message({ request: 'join', ptype: 'publisher', room: this.room });
    this.feed = Number(joined.data.id);
    const configured = await handle.message(
      { request: 'configure', audio: true, video: true },
      { type: 'offer', sdp: offer.sdp },
    );
    if (!configured.jsep) throw new JanusError('configure', 'no answer in the reply');
    return configured.jsep.sdp;
  }

  async subscribe(): Promise<{ id: string; offer: string }> {
    const handle = await this.session.attach(PLUGIN);
    const joined = await handle.message({
      request: 'join',
      ptype: 'subscriber',
      room: this.room,
      streams: [{ feed: this.feed }],
    });
    if (!joined.jsep) throw new JanusError('join', 'no offer in the subscriber join reply');
    this.subscribers.set(String(handle.id), handle);
    return { id: String(handle.id), offer: joined.jsep.sdp };
  }

  async answer(id: string, sdp: string): Promise<void> {
    const handle = this.subscribers.get(id);
    if (!handle) throw new JanusError('start', `no subscriber ${id}`);
    await handle.message({ request: 'start', room: this.room }, { type: 'answer', sdp });
  }

  async unsubscribe(id: string): Promise<void> {
    const handle = this.subscribers.get(id);
    this.subscribers.delete(id);
    await handle?.detach();
  }

  ownForwardedPackets(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async close(): Promise<void> {
    await this.session.close().catch(() => undefined);
    await this.janus.close();
  }
}
