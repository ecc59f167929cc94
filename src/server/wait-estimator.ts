/**
 * The support line's wait estimate: recent answered waits, each as milliseconds per place in line, and
 * their mean times a position. It learns only from answers, so a line that never answered gives no estimate.
 */

const SAMPLES = 10;

export class WaitEstimator {
  private perPlace: number[] = [];

  /** A customer who joined at `place` was answered after `waitedMs`. */
  record(waitedMs: number, place: number): void {
    this.perPlace = [...this.perPlace, waitedMs / place].slice(-SAMPLES);
  }

  /** The expected wait at `position`, ms, or null before the first answer. */
  estimate(position: number): number | null {
    if (this.perPlace.length === 0) return null;
    const mean = this.perPlace.reduce((a, b) => a + b, 0) / this.perPlace.length;
    return Math.round(mean * position);
  }

  /** The samples, for a snapshot: milliseconds per place, newest last. */
  samples(): number[] {
    return this.perPlace;
  }

  /** Samples brought back from a snapshot. */
  restore(samples: number[]): void {
    this.perPlace = samples.slice(-SAMPLES);
  }
}
