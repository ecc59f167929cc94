/**
 * A Room's analytics, loaded beside the widget as the chunk `calls-room-analytics.js` (the reporter and its
 * batching are not needed to show a call). The chunk starts loading when the Room is made; what happens
 * before it arrives (join marks, notifications) is kept with its time and replayed on the clock it happened
 * at, so the join phases measure the call, not the chunk. Analytics are best effort: a chunk that cannot load
 * drops them and nothing else.
 */
import type { CallAnalyticsOptions } from './call-analytics.ts';
import type { RoomNotification } from './room-types.ts';

export interface RoomAnalytics {
  mark(name: string): void;
  notified(n: RoomNotification): void;
}

interface Moment {
  now: number;
  wall: number;
}

export function loadCallAnalytics(o: CallAnalyticsOptions): RoomAnalytics {
  let replaying: Moment | undefined;
  const clock = {
    now: () => replaying?.now ?? performance.now(),
    wall: () => replaying?.wall ?? Date.now(),
  };
  let pending: { at: Moment; run: (a: RoomAnalytics) => void }[] | undefined = [];
  let target: RoomAnalytics | undefined;
  import('./call-analytics.ts').then(
    ({ createCallAnalytics }) => {
      const analytics = createCallAnalytics(o, clock);
      for (const { at, run } of pending ?? []) {
        replaying = at;
        run(analytics);
      }
      replaying = undefined;
      pending = undefined;
      target = analytics;
    },
    () => (pending = undefined),
  );
  const call = (run: (a: RoomAnalytics) => void) => {
    if (target) run(target);
    else pending?.push({ at: { now: performance.now(), wall: Date.now() }, run });
  };
  return {
    mark: (name) => call((a) => a.mark(name)),
    // State snapshots are not analytics: only the notifications it reads are kept.
    notified: (n) => {
      if (n.type !== 'change') call((a) => a.notified(n));
    },
  };
}
