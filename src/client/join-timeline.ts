/**
 * The transport's join phases, read off one peer connection as it comes up: `answer` (the first SFU offer
 * answered), `ice` (ICE connected), `dtls` (ICE and DTLS connected: the connection state), `track` (the first
 * remote video track) and `rtp` (its first RTP packet: the track unmutes). Each is marked once, through the
 * Room's `mark` (User Timing `calls-room:*`, read by `bench:join`); listeners go once all have fired or
 * the session closes.
 */
export type TransportPhase = 'answer' | 'ice' | 'dtls' | 'track' | 'rtp';

export function watchJoinPhases(pc: RTCPeerConnection, mark: (phase: TransportPhase) => void): void {
  const seen = new Set<TransportPhase>();
  const once = (phase: TransportPhase) => {
    if (seen.has(phase)) return;
    seen.add(phase);
    mark(phase);
    if (seen.size === 5) stop();
  };
  const onSignaling = () => {
    if (pc.signalingState === 'stable' && pc.remoteDescription && pc.localDescription) once('answer');
  };
  const onIce = () => {
    if (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') once('ice');
  };
  const onConnection = () => {
    if (pc.connectionState === 'connected') once('dtls');
    else if (pc.connectionState === 'closed' || pc.connectionState === 'failed') stop();
  };
  const onTrack = (event: RTCTrackEvent) => {
    const track = event.track;
    if (track.kind !== 'video' || seen.has('track')) return;
    once('track');
    // A remote track is muted until its first packet arrives (Media Capture and Streams, "muted").
    if (!track.muted) once('rtp');
    else track.addEventListener('unmute', () => once('rtp'), { once: true });
  };
  const stop = () => {
    pc.removeEventListener('signalingstatechange', onSignaling);
    pc.removeEventListener('iceconnectionstatechange', onIce);
    pc.removeEventListener('connectionstatechange', onConnection);
    pc.removeEventListener('track', onTrack);
  };
  pc.addEventListener('signalingstatechange', onSignaling);
  pc.addEventListener('iceconnectionstatechange', onIce);
  pc.addEventListener('connectionstatechange', onConnection);
  pc.addEventListener('track', onTrack);
}
