/**
 * Texts of the customer's waiting view in `<calls-room queue>` (`strings.queue`); the desk's are in
 * `desk-strings.ts`. Functions take untrusted names; results are only bound as text.
 */

export interface QueueStrings {
  connecting: string;
  waiting: string;
  position: (n: number) => string;
  /** Shown once the line has answered someone (before that, no estimate). */
  estimate: (ms: number) => string;
  agentsAvailable: (n: number) => string;
  cancel: string;
  answered: (agent: string) => string;
  cancelled: string;
  ended: string;
  callAgain: string;
  preview: string;
}

export const minutes = (ms: number) => Math.max(1, Math.round(ms / 60_000));

export const queueEn: QueueStrings = {
  connecting: 'Connecting to support…',
  waiting: 'Waiting for an agent…',
  position: (n) => (n === 1 ? 'You are next.' : `You are number ${n} in line.`),
  estimate: (ms) => `Estimated wait: about ${minutes(ms)} min.`,
  agentsAvailable: (n) => (n === 1 ? '1 agent available' : `${n} agents available`),
  cancel: 'Leave the line',
  answered: (agent) => `${agent} answered.`,
  cancelled: 'You left the line.',
  ended: 'The call has ended.',
  callAgain: 'Call again',
  preview: 'Your camera',
};
