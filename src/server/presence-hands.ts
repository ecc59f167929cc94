/** Raised hands in the order they went up: presence state the room keeps so every view agrees on it. */
export class Hands {
  #order: string[] = [];

  get order(): string[] {
    return [...this.#order];
  }

  /** Raises or lowers a participant's hand; true when the order changed. */
  set(participantId: string, raised: boolean): boolean {
    const has = this.#order.includes(participantId);
    if (raised === has) return false;
    this.#order = raised ? [...this.#order, participantId] : this.#order.filter((id) => id !== participantId);
    return true;
  }

  clear(): void {
    this.#order = [];
  }
}
