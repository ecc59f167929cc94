/**
 * Support lines on Workers: one Durable Object (`QueueObject`) per queue, running the same `SupportLineHost`
 * and `SupportLine` as Node. The line's state is written to the object's storage after every change (before
 * anyone is told: the runtime holds outgoing messages until the write is durable), so a restarted or evicted
 * object comes back with every waiting customer and every call in progress.
 */
import { workerAnalytics } from './analytics-worker.ts';
import { analyticsLineSink, teeLineSinks } from './line-analytics.ts';
import { logSink, type LineEventSink } from './line-events.ts';
import type { QueuesBackend } from './queue-routes.ts';
import { parseSettings } from './settings.ts';
import { SupportLineHost } from './support-line-host.ts';
import type { LineSnapshot } from './support-line.ts';
import type { DurableObjectNamespace, DurableObjectState, WorkerEnv } from './worker.ts';

interface LineWebSocket {
  accept(): void;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: string | ArrayBuffer }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number }) => void): void;
  addEventListener(type: 'error', listener: () => void): void;
}
declare const WebSocketPair: { new (): { 0: LineWebSocket; 1: LineWebSocket } };

const QUEUE_HEADER = 'x-calls-queue';
const INTERNAL = 'https://queue.internal';
const STORAGE_KEY = 'line';

export class DurableQueues implements QueuesBackend {
  constructor(private readonly ns: DurableObjectNamespace) {}

  connect(queue: string, c: { req: { raw: Request } }): Promise<Response> {
    const headers = new Headers(c.req.raw.headers);
    headers.set(QUEUE_HEADER, queue);
    return this.ns
      .get(this.ns.idFromName(`queue:${queue}`))
      .fetch(new Request(`${INTERNAL}/internal/line`, { headers }));
  }
}

export class QueueObject {
  private host: SupportLineHost | undefined;
  private restored: LineSnapshot | undefined;
  private alarmPending = false;

  constructor(
    private readonly state: DurableObjectState,
    private readonly env: WorkerEnv,
  ) {
    void state.blockConcurrencyWhile(async () => {
      this.restored = await state.storage.get<LineSnapshot>(STORAGE_KEY);
      // Graces and time limits keep running after a restart even before anyone reconnects.
      if (this.restored) await this.ensureAlarm();
    });
  }

  /** The log, and the analytics Queue when the Worker has one (the dashboard counts the line's events). */
  private lineEvents(): LineEventSink {
    const log = (line: string) => console.log(line);
    const analytics = workerAnalytics(this.env);
    return analytics ? teeLineSinks(logSink(log), analyticsLineSink(analytics.sink, log)) : logSink(log);
  }

  private hostFor(queue: string): SupportLineHost {
    if (!this.host) {
      const settings = parseSettings(this.env, 'worker');
      this.host = new SupportLineHost({
        queue,
        tokenSecret: settings.tokenSecret,
        maxWaiting: settings.queueLengthLimit,
        maxWaitMs: settings.queueWaitLimitMs,
        graceMs: Math.max(settings.resumeGraceMs, 15_000),
        tokenTtlSeconds: settings.tokenTtlSeconds,
        events: this.lineEvents(),
        ...(this.restored ? { restored: this.restored } : {}),
        persist: (snapshot) => void this.state.storage.put(STORAGE_KEY, { ...snapshot, queue }),
      });
    }
    return this.host;
  }

  async fetch(request: Request): Promise<Response> {
    const queue = request.headers.get(QUEUE_HEADER);
    if (!queue || new URL(request.url).pathname !== '/internal/line') {
      return new Response('not found', { status: 404 });
    }
    const host = this.hostFor(queue);
    const pair = new WebSocketPair();
    const server = pair[1];
    server.accept();
    const conn = host.open({
      send: (text) => server.send(text),
      close: (code, reason) => server.close(code, reason),
    });
    server.addEventListener('message', (event) => {
      void host.receive(
        conn,
        typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data),
      );
    });
    server.addEventListener('close', (event) => void host.closed(conn, event.code));
    server.addEventListener('error', () => void host.closed(conn));
    await this.ensureAlarm();
    return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit);
  }

  private async ensureAlarm(): Promise<void> {
    if (this.alarmPending) return;
    this.alarmPending = true;
    await this.state.storage.setAlarm(Date.now() + 1000);
  }

  async alarm(): Promise<void> {
    this.alarmPending = false;
    // After a restart the alarm may be first: the stored snapshot names the queue.
    const queue = this.host?.line.queue ?? (this.restored as { queue?: string } | undefined)?.queue;
    if (!queue) return;
    const host = this.hostFor(queue);
    await host.tick();
    if (!host.idle) await this.ensureAlarm();
  }
}
