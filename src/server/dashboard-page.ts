/**
 * The analytics dashboard at `/dashboard`: one page with no data in it. Its script asks for a token (the
 * operator's ADMIN_TOKEN or a host token), keeps it for the tab only (sessionStorage), reads
 * `/api/analytics/*` with it and draws with uPlot, which only this page loads (`/dashboard/uplot.js`, never
 * part of `calls-room.js`). Texts in English and German, by the browser's language.
 */

/** The files the dashboard loads besides itself, from uPlot's package (Node) or Workers static assets. */
export const DASHBOARD_FILES = {
  'uplot.js': 'uplot/dist/uPlot.iife.min.js',
  'uplot.css': 'uplot/dist/uPlot.min.css',
} as const;

const STRINGS = {
  en: {
    title: 'Call analytics',
    token: 'Admin or host token',
    show: 'Show',
    joinTime: 'Join time (join() to joined)',
    firstFrame: 'First remote frame',
    calls: 'Calls',
    callsPerRoom: 'Calls per room and day',
    room: 'Room',
    started: 'Started',
    minutes: 'Minutes',
    participants: 'Participants',
    participant: 'Participant',
    phases: 'Token / session / transport / joined / first frame (ms)',
    send: 'Send kbit/s',
    recv: 'Receive kbit/s',
    loss: 'Loss %',
    rtt: 'RTT ms',
    jitter: 'Jitter ms',
    freezes: 'Freezes',
    mos: 'MOS',
    errors: 'Errors',
    reconnects: 'Reconnects',
    left: 'Left',
    bitrate: 'Bitrate over time (kbit/s)',
    events: 'Events',
    none: 'No calls yet.',
    refused: 'The backend refused this token.',
  },
  de: {
    title: 'Anrufanalyse',
    token: 'Admin- oder Host-Token',
    show: 'Anzeigen',
    joinTime: 'Beitrittszeit (join() bis beigetreten)',
    firstFrame: 'Erstes Bild der anderen',
    calls: 'Anrufe',
    callsPerRoom: 'Anrufe pro Raum und Tag',
    room: 'Raum',
    started: 'Beginn',
    minutes: 'Minuten',
    participants: 'Teilnehmende',
    participant: 'Teilnehmer/in',
    phases: 'Token / Sitzung / Transport / beigetreten / erstes Bild (ms)',
    send: 'Senden kbit/s',
    recv: 'Empfang kbit/s',
    loss: 'Verlust %',
    rtt: 'RTT ms',
    jitter: 'Jitter ms',
    freezes: 'Standbilder',
    mos: 'MOS',
    errors: 'Fehler',
    reconnects: 'Neuverbindungen',
    left: 'Verlassen',
    bitrate: 'Bitrate im Verlauf (kbit/s)',
    events: 'Ereignisse',
    none: 'Noch keine Anrufe.',
    refused: 'Das Backend hat dieses Token abgelehnt.',
  },
};

// The page's script, plain ES2020 (no build step): small, and it runs in any browser an operator has.
const SCRIPT = String.raw`
const ALL = ${JSON.stringify(STRINGS)};
const T = (navigator.language || 'en').toLowerCase().startsWith('de') ? ALL.de : ALL.en;
document.documentElement.lang = T === ALL.de ? 'de' : 'en';
for (const el of document.querySelectorAll('[data-t]')) el.textContent = T[el.dataset.t];
const $ = (s) => document.querySelector(s);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(k == null ? '–' : String(k)));
  return e;
};
const fmt = (ms) => (ms == null ? '–' : Math.round(ms) + ' ms');
const get = async (path) => {
  const r = await fetch(path, { headers: { authorization: 'Bearer ' + sessionStorage.getItem('calls-dashboard-token') } });
  if (!r.ok) throw new Error(r.status + ' ' + ((await r.json().catch(() => ({}))).errorDescription || ''));
  return r.json();
};
const charts = [];
const chart = (target, title, series, data) => {
  const width = Math.max(320, target.clientWidth || 640);
  charts.push(new uPlot({ title, width, height: 220, series: [{}, ...series], scales: { x: { time: true } } }, data, target));
};
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

async function overview() {
  const o = await get('/api/analytics/overview?days=30');
  $('#join-p50').textContent = fmt(o.joinTimes.joinedP50);
  $('#join-p95').textContent = fmt(o.joinTimes.joinedP95);
  $('#frame-p50').textContent = fmt(o.joinTimes.firstFrameP50);
  $('#frame-p95').textContent = fmt(o.joinTimes.firstFrameP95);
  $('#join-n').textContent = o.joinTimes.joins + ' / ' + o.joinTimes.calls;
  const body = $('#calls tbody');
  body.replaceChildren();
  if (o.calls.length === 0) body.append(el('tr', {}, el('td', { colspan: 4 }, T.none)));
  for (const c of o.calls) {
    const link = el('a', { href: '#' + encodeURIComponent(c.id) }, c.room);
    body.append(el('tr', { 'data-call': c.id }, el('td', {}, link), el('td', {}, new Date(c.startedAt).toLocaleString()),
      el('td', {}, ((c.lastAt - c.startedAt) / 60000).toFixed(1)), el('td', { 'data-field': 'participants' }, c.participants)));
  }
  // Calls per room and day: one line per room (the eight busiest).
  const day = (t) => Math.floor(t / 86400000) * 86400;
  const days = [...new Set(o.calls.map((c) => day(c.startedAt)))].sort((a, b) => a - b);
  const byRoom = new Map();
  for (const c of o.calls) byRoom.set(c.room, (byRoom.get(c.room) || 0) + 1);
  const rooms = [...byRoom].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([r]) => r);
  const target = $('#per-room');
  target.replaceChildren();
  if (days.length > 0) {
    const series = rooms.map((r, i) => ({ label: r, stroke: COLORS[i], points: { show: true } }));
    const data = [days, ...rooms.map((r) => days.map((d) => o.calls.filter((c) => c.room === r && day(c.startedAt) === d).length))];
    chart(target, T.callsPerRoom, series, data);
  }
}

async function detail(id) {
  const box = $('#call');
  box.hidden = false;
  const d = await get('/api/analytics/calls/' + encodeURIComponent(id));
  $('#call-title').textContent = d.call.room + ' · ' + new Date(d.call.startedAt).toLocaleString();
  const body = $('#participants tbody');
  body.replaceChildren();
  for (const p of d.participants) {
    const ph = p.phases;
    const phases = [ph.token, ph.session, ph.transport, ph.joined, ph['first-frame']].map((v) => (v == null ? '–' : v)).join(' / ');
    const cell = (field, value) => el('td', { 'data-field': field }, value);
    body.append(el('tr', { 'data-participant': p.participantId }, cell('participantId', p.participantId.slice(0, 8)),
      cell('phases', phases), cell('sendKbps', p.sendKbps), cell('recvKbps', p.recvKbps), cell('lossPct', p.lossPct),
      cell('rttMs', p.rttMs), cell('jitterMs', p.jitterMs), cell('freezes', p.freezes), cell('mos', p.mos),
      cell('errors', p.errors), cell('reconnects', p.reconnects + p.replacements), cell('leftReason', p.leftReason)));
  }
  const ids = d.participants.map((p) => p.participantId);
  const times = [...new Set(d.points.map((p) => Math.round(p.at / 1000)))].sort((a, b) => a - b);
  const target = $('#bitrate');
  target.replaceChildren();
  if (times.length > 0) {
    const series = [];
    const data = [times];
    ids.forEach((pid, i) => {
      for (const dir of ['sendKbps', 'recvKbps']) {
        series.push({ label: pid.slice(0, 8) + (dir === 'sendKbps' ? ' ↑' : ' ↓'), stroke: COLORS[i % 8], dash: dir === 'recvKbps' ? [4, 4] : undefined });
        data.push(times.map((t) => { const p = d.points.find((x) => x.participantId === pid && Math.round(x.at / 1000) === t); return p ? p[dir] : null; }));
      }
    });
    chart(target, T.bitrate, series, data);
  }
  const list = $('#events');
  list.replaceChildren();
  for (const e of d.events.filter((e) => e.type !== 'join-phase').slice(-200)) {
    list.append(el('li', {}, new Date(e.at).toLocaleTimeString() + ' ' + (e.participantId || '').slice(0, 8) + ' ' + e.type + ' ' + e.data));
  }
}

async function show() {
  $('#error').textContent = '';
  try {
    $('#main').hidden = false;
    await overview();
    const id = decodeURIComponent(location.hash.slice(1));
    if (id) await detail(id);
    else $('#call').hidden = true;
    document.body.dataset.ready = String(Date.now());
  } catch (e) {
    $('#error').textContent = T.refused + ' ' + e.message;
  }
}
$('#login').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem('calls-dashboard-token', $('#token').value.trim());
  void show();
});
addEventListener('hashchange', () => void show());
if (sessionStorage.getItem('calls-dashboard-token')) void show();
`;

export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>calls-room analytics</title>
<link rel="stylesheet" href="/dashboard/uplot.css">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #111827; }
  table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
  th, td { border-bottom: 1px solid #e5e7eb; padding: 0.3rem 0.6rem; text-align: left; }
  .figures { display: flex; gap: 2rem; flex-wrap: wrap; }
  .figure strong { display: block; font-size: 1.5rem; }
  #error { color: #b91c1c; }
</style>
<script src="/dashboard/uplot.js"></script>
</head>
<body>
<h1 data-t="title">Call analytics</h1>
<form id="login"><label><span data-t="token">Token</span> <input id="token" type="password" autocomplete="off" required></label> <button data-t="show">Show</button></form>
<p id="error" role="alert"></p>
<main id="main" hidden>
  <div class="figures">
    <div class="figure"><span data-t="joinTime"></span><strong><span id="join-p50">–</span> p50 · <span id="join-p95">–</span> p95</strong></div>
    <div class="figure"><span data-t="firstFrame"></span><strong><span id="frame-p50">–</span> p50 · <span id="frame-p95">–</span> p95</strong></div>
    <div class="figure"><span data-t="participants"></span> / <span data-t="calls"></span><strong id="join-n">–</strong></div>
  </div>
  <div id="per-room"></div>
  <h2 data-t="calls"></h2>
  <table id="calls"><thead><tr><th data-t="room"></th><th data-t="started"></th><th data-t="minutes"></th><th data-t="participants"></th></tr></thead><tbody></tbody></table>
  <section id="call" hidden>
    <h2 id="call-title"></h2>
    <table id="participants"><thead><tr><th data-t="participant"></th><th data-t="phases"></th><th data-t="send"></th><th data-t="recv"></th><th data-t="loss"></th><th data-t="rtt"></th><th data-t="jitter"></th><th data-t="freezes"></th><th data-t="mos"></th><th data-t="errors"></th><th data-t="reconnects"></th><th data-t="left"></th></tr></thead><tbody></tbody></table>
    <div id="bitrate"></div>
    <h3 data-t="events"></h3>
    <ul id="events"></ul>
  </section>
</main>
<script>${SCRIPT}</script>
</body>
</html>`;
}
