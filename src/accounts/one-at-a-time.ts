// Runs work for one key at a time, in arrival order, while work for other
// keys runs alongside. Registrations of one name are put through it: two
// registrations of one new name at once race in ejabberd's auth cache (one
// answers internal-server-error instead of conflict, XMPP-FACTS). A key's
// entry lives only while work for it is queued or running.
export class OneAtATime {
  /** Per busy key: settles when the last work queued for it has settled. */
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.#tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running. */
  get busyKeys(): number {
    return this.#tails.size;
  }
}
