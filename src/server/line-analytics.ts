/**
 * Support-line events into call-quality analytics: each `LineEvent` becomes a server-origin analytics message
 * (`server:waited`, `server:answered`, …) under the queue's name, so the dashboard counts a line's waits,
 * answers and abandonments beside its calls. Names and metadata never go in: ids and durations only.
 */
import type { AnalyticsSink, ServerEvent } from './analytics-digest.ts';
import type { LineEvent, LineEventSink } from './line-events.ts';

/** The event's figures and ids, flat (what `ServerEvent.data` holds). */
export function lineEventData(event: LineEvent): NonNullable<ServerEvent['data']> {
  const { type: _type, queue: _queue, at: _at, ...rest } = event;
  return rest;
}

/** A sink that submits each line event to analytics; a failed submit is logged, never thrown at the line. */
export function analyticsLineSink(sink: AnalyticsSink, log: (line: string) => void): LineEventSink {
  return {
    record: (event) => {
      const message = {
        origin: 'server' as const,
        receivedAt: event.at,
        room: event.queue,
        events: [{ type: event.type, at: event.at, data: lineEventData(event) }],
      };
      sink.submit(message).catch((error: unknown) => {
        log(`line ${event.queue}: analytics refused ${event.type}: ${String(error).slice(0, 200)}`);
      });
    },
  };
}

/** Every event to each sink in turn (the log and analytics, say). */
export function teeLineSinks(...sinks: LineEventSink[]): LineEventSink {
  return { record: (event) => sinks.forEach((s) => s.record(event)) };
}
