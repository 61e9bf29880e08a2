// Backpressure: a bound on XMPP work in flight. Past it, requests wait in a
// short, bounded queue; if no slot frees up in time they are refused before
// anything is sent, so an overloaded server is not handed work it would only
// finish after the caller had been told "timeout".
import { Overloaded } from '../contract/xmpp-failures.js';

export interface InFlightLimitOptions {
  /** Requests (IQs, user logins) in flight at once. */
  max: number;
  /** Requests that may wait for a slot. */
  queue: number;
  /** How long one may wait. */
  waitMs: number;
}

export class InFlightLimit {
  readonly #options: InFlightLimitOptions;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(options: InFlightLimitOptions) {
    this.#options = options;
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#options.max) await this.#slot();
    else this.#active += 1;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter.
      if (next) next();
      else this.#active -= 1;
    }
  }

  #slot(): Promise<void> {
    const { queue, waitMs } = this.#options;
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    if (this.#waiting.length >= queue) {
      return Promise.reject(new Overloaded(retryAfterSeconds, `the bridge has ${this.#active} XMPP requests in flight and ${queue} waiting; try again shortly`));
    }
    return new Promise<void>((resolve, reject) => {
      const granted = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(granted), 1);
        reject(new Overloaded(retryAfterSeconds, `no XMPP request slot freed up within ${waitMs} ms (${this.#active} in flight); try again shortly`));
      }, waitMs);
      this.#waiting.push(granted);
    });
  }
}
