/**
 * Our embedded SFU under test: forked into its own process (sfu-process.ts) and driven through its Calls API
 * from the bench process, as the backend would.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { FromSfuProcess, ToSfuProcess } from './sfu-process.ts';
import type { PublisherOffer, SfuUnderTest } from './sfu-under-test.ts';

export class CallsApiError extends Error {}

interface Subscriber {
  sessionId: string;
  mids: string[];
}

export class OursSfu implements SfuUnderTest {
  readonly name = 'ours';
  readonly wantsCandidates = false;
  private publisherSession = '';
  private readonly subscribers = new Map<string, Subscriber>();
  private nextStats = 0;

  private constructor(
    private readonly child: ChildProcess,
    private readonly base: string,
    private readonly secret: string,
  ) {}

  static async start(): Promise<OursSfu> {
    const child = fork(new URL('./sfu-process.ts', import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<Extract<FromSfuProcess, { type: 'ready' }>>((resolve, reject) => {
      child.once('exit', (code) => reject(new CallsApiError(`the SFU process exited with code ${code}`)));
      child.on('message', (m: FromSfuProcess) => m.type === 'ready' && resolve(m));
    });
    return new OursSfu(child, `${ready.url}/apps/${ready.appId}`, ready.appSecret);
  }

  get pid(): number {
    return this.child.pid!;
  }

  async publish(offer: PublisherOffer): Promise<string> {
    this.publisherSession = await this.newSession();
    const res = await this.call<{ sessionDescription: { sdp: string } }>(
      'POST',
      `/sessions/${this.publisherSession}/tracks/new`,
      {
        sessionDescription: { type: 'offer', sdp: offer.sdp },
        tracks: [
          { location: 'local', mid: offer.videoMid, trackName: 'cam' },
          { location: 'local', mid: offer.audioMid, trackName: 'mic' },
        ],
      },
    );
    return res.sessionDescription.sdp;
  }

  async subscribe(): Promise<{ id: string; offer: string }> {
    const sessionId = await this.newSession();
    const res = await this.call<{ sessionDescription: { sdp: string }; tracks: { mid: string }[] }>(
      'POST',
      `/sessions/${sessionId}/tracks/new`,
      {
        tracks: ['cam', 'mic'].map((trackName) => ({
          location: 'remote',
          sessionId: this.publisherSession,
          trackName,
        })),
      },
    );
    this.subscribers.set(sessionId, { sessionId, mids: res.tracks.map((t) => t.mid) });
    return { id: sessionId, offer: res.sessionDescription.sdp };
  }

  async answer(id: string, sdp: string): Promise<void> {
    await this.call('PUT', `/sessions/${id}/renegotiate`, { sessionDescription: { type: 'answer', sdp } });
  }

  async unsubscribe(id: string): Promise<void> {
    const sub = this.subscribers.get(id);
    if (!sub) return;
    this.subscribers.delete(id);
    await this.call('PUT', `/sessions/${id}/tracks/close`, {
      tracks: sub.mids.map((mid) => ({ mid })),
      force: true,
    });
  }

  async ownForwardedPackets(): Promise<number> {
    const id = this.nextStats++;
    this.child.send({ type: 'stats', id } satisfies ToSfuProcess);
    return new Promise((resolve) => {
      const on = (m: FromSfuProcess) => {
        if (m.type !== 'stats' || m.id !== id) return;
        this.child.off('message', on);
        resolve(m.forwardedPackets);
      };
      this.child.on('message', on);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'close' } satisfies ToSfuProcess);
    await exited;
  }

  private async newSession(): Promise<string> {
    return (await this.call<{ sessionId: string }>('POST', '/sessions/new')).sessionId;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: { authorization: `Bearer ${this.secret}` },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as T & { errorCode?: string; errorDescription?: string };
    if (!res.ok || json.errorCode)
      throw new CallsApiError(
        `${method} ${path}: ${res.status} ${json.errorCode ?? ''} ${json.errorDescription ?? ''}`,
      );
    return json;
  }
}
