/** Support lines in this Node process: one `SupportLineHost` per queue, stored under `DATA_DIR` when given. */
import { upgradeWebSocket } from '@hono/node-server';
import type { Context } from 'hono';
import type { WSContext } from 'hono/ws';
import { logSink, type LineEventSink } from './line-events.ts';
import type { FileLineStore } from './node-line-store.ts';
import type { QueuesBackend } from './queue-routes.ts';
import type { Settings } from './settings.ts';
import { SupportLineHost, type LineConnection } from './support-line-host.ts';

export class NodeQueues implements QueuesBackend {
  private readonly hosts = new Map<string, SupportLineHost>();

  constructor(
    private readonly settings: Settings,
    private readonly now: () => number,
    private readonly store?: FileLineStore,
    private readonly events: LineEventSink = logSink(() => undefined),
  ) {
    // Every stored line comes back at start, so its grace periods and time limits run even before anyone
    // reconnects.
    for (const queue of store?.lines().keys() ?? []) this.get(queue);
  }

  get(queue: string): SupportLineHost {
    let host = this.hosts.get(queue);
    if (!host) {
      const restored = this.store?.lines().get(queue);
      host = new SupportLineHost({
        queue,
        tokenSecret: this.settings.tokenSecret,
        maxWaiting: this.settings.queueLengthLimit,
        maxWaitMs: this.settings.queueWaitLimitMs,
        graceMs: Math.max(this.settings.resumeGraceMs, 15_000),
        tokenTtlSeconds: this.settings.tokenTtlSeconds,
        now: this.now,
        events: this.events,
        ...(restored ? { restored } : {}),
        ...(this.store ? { persist: (snapshot) => this.store?.save(queue, snapshot) } : {}),
      });
      this.hosts.set(queue, host);
    }
    return host;
  }

  peek(queue: string): SupportLineHost | undefined {
    return this.hosts.get(queue);
  }

  tick(): void {
    for (const [queue, host] of this.hosts) {
      void host.tick();
      if (host.idle) this.hosts.delete(queue);
    }
  }

  closeAll(): void {
    for (const host of this.hosts.values()) host.closeAll();
  }

  connect(queue: string, c: Context): Promise<Response> {
    const host = this.get(queue);
    let conn: LineConnection | undefined;
    const handler = upgradeWebSocket(() => ({
      onOpen: (_event: Event, ws: WSContext) => {
        conn = host.open({ send: (text) => ws.send(text), close: (code, reason) => ws.close(code, reason) });
      },
      onMessage: (event: MessageEvent, _ws: WSContext) => {
        if (!conn) return;
        const data: unknown = event.data;
        void host.receive(
          conn,
          typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer),
        );
      },
      onClose: (event: CloseEvent) => {
        if (conn) void host.closed(conn, event.code);
      },
      onError: () => {
        if (conn) void host.closed(conn);
      },
    }));
    return handler(c as Parameters<typeof handler>[0], () => Promise.resolve()) as Promise<Response>;
  }
}
