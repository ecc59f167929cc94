/** Every microphone of the room mixed into one track (WebAudio), reconciled as people come and go. */
export class AudioMix {
  readonly #context = new AudioContext();
  readonly #destination = this.#context.createMediaStreamDestination();
  readonly #sources = new Map<MediaStreamTrack, MediaStreamAudioSourceNode>();

  get track(): MediaStreamTrack {
    return this.#destination.stream.getAudioTracks()[0]!;
  }

  /** Mixes exactly `tracks` from now on. */
  update(tracks: readonly MediaStreamTrack[]): void {
    // Autoplay rules may start the context suspended; a Record click is the gesture that lets it run.
    if (this.#context.state === 'suspended') void this.#context.resume();
    const wanted = new Set(tracks.filter((t) => t.readyState === 'live'));
    for (const [track, node] of this.#sources) {
      if (!wanted.has(track)) {
        node.disconnect();
        this.#sources.delete(track);
      }
    }
    for (const track of wanted) {
      if (this.#sources.has(track)) continue;
      const node = this.#context.createMediaStreamSource(new MediaStream([track]));
      node.connect(this.#destination);
      this.#sources.set(track, node);
    }
  }

  close(): void {
    for (const node of this.#sources.values()) node.disconnect();
    this.#sources.clear();
    void this.#context.close();
  }
}
