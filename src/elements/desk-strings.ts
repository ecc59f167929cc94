/**
 * Texts of the agent's `<calls-desk>` (its own table, so the customers' script-tag file does not carry them).
 * `lang` picks a table; the desk's `strings` property overrides any entry. Names are only bound as text.
 */

export interface DeskStrings {
  list: string;
  agentsAvailable: (n: number) => string;
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

const clock = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

const en: DeskStrings = {
  list: 'Waiting customers',
  agentsAvailable: (n) => (n === 1 ? '1 agent available' : `${n} agents available`),
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

const de: DeskStrings = {
  list: 'Wartende Kundschaft',
  agentsAvailable: (n) => (n === 1 ? '1 Person verfügbar' : `${n} Personen verfügbar`),
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

export function resolveDeskStrings(lang: string | undefined, override?: Partial<DeskStrings>): DeskStrings {
  const base = (lang ?? '').toLowerCase().startsWith('de') ? de : en;
  return override ? { ...base, ...override } : base;
}
