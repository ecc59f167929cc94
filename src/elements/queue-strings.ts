/**
 * Texts of the support line: the customer's waiting view in `<calls-room queue>` (`strings.queue`) and the
 * agent's `<calls-desk>` (`strings.desk`). Functions take untrusted names; results are only bound as text.
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

export interface DeskStrings {
  list: string;
  empty: string;
  answer: string;
  answerCustomer: (name: string) => string;
  waitingFor: (ms: number) => string;
  available: string;
  away: string;
  newCustomer: (name: string) => string;
  taken: string;
  gone: string;
  busy: string;
  inCallWith: (name: string) => string;
  transferredFrom: (name: string) => string;
  transferTo: string;
  transfer: string;
  nobodyToTransfer: string;
  endCall: string;
  callEnded: string;
  connecting: string;
  notAgent: string;
  closed: string;
}

const minutes = (ms: number) => Math.max(1, Math.round(ms / 60_000));
const clock = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

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

export const queueDe: QueueStrings = {
  connecting: 'Verbindung zum Support…',
  waiting: 'Sie warten auf den Support…',
  position: (n) => (n === 1 ? 'Sie sind als Nächstes dran.' : `Sie sind Nummer ${n} in der Warteschlange.`),
  estimate: (ms) => `Geschätzte Wartezeit: etwa ${minutes(ms)} Min.`,
  agentsAvailable: (n) => (n === 1 ? '1 Person im Support verfügbar' : `${n} Personen im Support verfügbar`),
  cancel: 'Warteschlange verlassen',
  answered: (agent) => `${agent} hat angenommen.`,
  cancelled: 'Sie haben die Warteschlange verlassen.',
  ended: 'Der Anruf ist beendet.',
  callAgain: 'Erneut anrufen',
  preview: 'Ihre Kamera',
};

export const deskEn: DeskStrings = {
  list: 'Waiting customers',
  empty: 'Nobody is waiting.',
  answer: 'Answer',
  answerCustomer: (name) => `Answer ${name}`,
  waitingFor: (ms) => `waiting ${clock(ms)}`,
  available: 'Available',
  away: 'Away',
  newCustomer: (name) => `${name} is waiting`,
  taken: 'Another agent answered this customer.',
  gone: 'This customer is no longer waiting.',
  busy: 'Not possible right now: you or they are busy.',
  inCallWith: (name) => `In a call with ${name}`,
  transferredFrom: (name) => `Transferred by ${name}`,
  transferTo: 'Transfer to',
  transfer: 'Transfer',
  nobodyToTransfer: 'No other agent is available.',
  endCall: 'End call',
  callEnded: 'Call ended.',
  connecting: 'Connecting…',
  notAgent: 'This token does not make you an agent of this line.',
  closed: 'The connection to the line was lost.',
};

export const deskDe: DeskStrings = {
  list: 'Wartende Kundschaft',
  empty: 'Niemand wartet.',
  answer: 'Annehmen',
  answerCustomer: (name) => `${name} annehmen`,
  waitingFor: (ms) => `wartet ${clock(ms)}`,
  available: 'Verfügbar',
  away: 'Abwesend',
  newCustomer: (name) => `${name} wartet`,
  taken: 'Jemand anderes hat diesen Anruf angenommen.',
  gone: 'Diese Person wartet nicht mehr.',
  busy: 'Gerade nicht möglich: Sie oder die andere Person sind beschäftigt.',
  inCallWith: (name) => `Im Gespräch mit ${name}`,
  transferredFrom: (name) => `Weitergeleitet von ${name}`,
  transferTo: 'Weiterleiten an',
  transfer: 'Weiterleiten',
  nobodyToTransfer: 'Niemand sonst ist verfügbar.',
  endCall: 'Anruf beenden',
  callEnded: 'Anruf beendet.',
  connecting: 'Verbinde…',
  notAgent: 'Mit diesem Token sind Sie nicht für diese Warteschlange freigeschaltet.',
  closed: 'Die Verbindung zur Warteschlange ist abgebrochen.',
};
