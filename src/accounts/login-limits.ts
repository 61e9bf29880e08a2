// Limits on wrong passwords, made to stop attackers and not honest users:
//
// - per_account: wrong passwords for one target account (brute force of one
//   user, whoever sends them);
// - per_client: wrong HTTP Basic logins from one client address (an
//   attacker without a key trying admin passwords);
// - server_guard (optional): every failed login the bridge makes, so the
//   bridge stays under mod_fail2ban's ban threshold when the server does not
//   exempt its address. Only this one is shared by everyone, so it is off
//   when the server exempts the bridge.
//
// Only actual refusals count. A check in flight is never refused for being
// in flight: when the ones in flight could exhaust a limit, the next one
// waits for them to end instead, so a limit is never overshot and an honest
// caller never gets a 429 because of others' correct passwords.
import { Refusal } from './refusal.js';

export interface WindowLimit {
  max: number;
  windowSeconds: number;
}

export interface LoginLimitsOptions {
  perAccount: WindowLimit | undefined;
  perClient: WindowLimit | undefined;
  serverGuard: WindowLimit | undefined;
  now?: () => number;
}

/** One password check: whose password, for whom, and whether it is an XMPP login (fail2ban counts those). */
export interface PasswordCheck {
  /** The target account's bare JID. */
  account: string;
  /** The caller's address, for checks of HTTP Basic credentials; undefined for key holders. */
  client?: string;
  login: boolean;
}

/** A bound on the keys kept per limit: an attacker naming endless accounts cannot fill memory. */
const MAX_KEYS = 100_000;

interface Slot {
  failures: number[];
  inFlight: number;
  waiters: (() => void)[];
}

/** Failures per key within a sliding window. */
class FailureWindow {
  readonly #limit: WindowLimit;
  readonly #what: string;
  readonly #slots = new Map<string, Slot>();

  constructor(limit: WindowLimit, what: string) {
    this.#limit = limit;
    this.#what = what;
  }

  /** 'go' if a check may start now, a Refusal if the limit is spent, or a promise to wait on. */
  admit(key: string, now: number): 'go' | Refusal | Promise<void> {
    const slot = this.#slots.get(key);
    if (slot === undefined) return 'go';
    const windowMs = this.#limit.windowSeconds * 1000;
    while (slot.failures.length > 0 && now - (slot.failures[0] as number) >= windowMs) slot.failures.shift();
    const { max } = this.#limit;
    if (slot.failures.length >= max) {
      // Allowed again once enough failures have left the window.
      const freedAt = (slot.failures[slot.failures.length - max] as number) + windowMs;
      return new Refusal('too_many_requests', this.#what, { retryAfterSeconds: Math.max(1, Math.ceil((freedAt - now) / 1000)) });
    }
    if (slot.failures.length + slot.inFlight < max) return 'go';
    return new Promise<void>((resolve) => slot.waiters.push(resolve));
  }

  begin(key: string): void {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      if (this.#slots.size >= MAX_KEYS) this.#evict();
      slot = { failures: [], inFlight: 0, waiters: [] };
      this.#slots.set(key, slot);
    }
    slot.inFlight += 1;
  }

  end(key: string, failedAt: number | undefined): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    slot.inFlight -= 1;
    if (failedAt !== undefined) slot.failures.push(failedAt);
    const waiters = slot.waiters.splice(0);
    for (const wake of waiters) wake();
    if (slot.inFlight === 0 && slot.failures.length === 0 && slot.waiters.length === 0) this.#slots.delete(key);
  }

  /** Drops the oldest idle key (Map order is insertion order). */
  #evict(): void {
    for (const [key, slot] of this.#slots) {
      if (slot.inFlight === 0 && slot.waiters.length === 0) {
        this.#slots.delete(key);
        return;
      }
    }
  }
}

export class LoginLimits {
  readonly #perAccount: FailureWindow | undefined;
  readonly #perClient: FailureWindow | undefined;
  readonly #serverGuard: FailureWindow | undefined;
  readonly #now: () => number;

  constructor({ perAccount, perClient, serverGuard, now = Date.now }: LoginLimitsOptions) {
    this.#perAccount = perAccount && new FailureWindow(perAccount, 'too many wrong passwords for this account recently; try again later');
    this.#perClient = perClient && new FailureWindow(perClient, 'too many wrong logins from this address recently; try again later');
    this.#serverGuard =
      serverGuard &&
      new FailureWindow(
        serverGuard,
        'too many failed logins recently: the bridge pauses password checks so the XMPP server does not ban it (see limits.failed_logins.server_guard)',
      );
    this.#now = now;
  }

  /**
   * Runs `attempt`, which checks a caller's password, within the limits.
   * Refuses with too_many_requests, before anything is sent, while a limit
   * is spent; `refused(error)` says whether a failure was a wrong password.
   */
  async check<T>(check: PasswordCheck, attempt: () => Promise<T>, refused: (error: unknown) => boolean): Promise<T> {
    const windows = this.#windowsFor(check);
    for (;;) {
      const now = this.#now();
      let wait: Promise<void> | undefined;
      for (const [window, key] of windows) {
        const verdict = window.admit(key, now);
        if (verdict instanceof Refusal) throw verdict;
        if (verdict !== 'go') {
          wait = verdict;
          break;
        }
      }
      if (wait === undefined) break;
      await wait;
    }
    for (const [window, key] of windows) window.begin(key);
    let failedAt: number | undefined;
    try {
      return await attempt();
    } catch (error) {
      if (refused(error)) failedAt = this.#now();
      throw error;
    } finally {
      for (const [window, key] of windows) window.end(key, failedAt);
    }
  }

  #windowsFor({ account, client, login }: PasswordCheck): [FailureWindow, string][] {
    const windows: [FailureWindow, string][] = [];
    if (this.#perAccount) windows.push([this.#perAccount, account]);
    if (this.#perClient && client !== undefined) windows.push([this.#perClient, client]);
    if (this.#serverGuard && login) windows.push([this.#serverGuard, '']);
    return windows;
  }
}
