// Which back end serves the connected server: fixed by `xmpp.server`, or
// (auto) asked of the server on every (re)connect, since another server may
// answer after a reconnect. The server says what it is by XEP-0092, else by
// its disco identity (../xmpp/server-identity.ts); a server no back end
// recognises gets the first back end of the registry, with a warning.
import { EventEmitter } from 'node:events';
import { explainFailure } from '../contract/xmpp-outcome.js';
import type { IqRequester } from '../xmpp/in-band-registration.js';
import { serverSoftware } from '../xmpp/server-identity.js';
import type { BackendDeps, BackendEntry, ServerBackend } from './backend.js';
import { BACKENDS, backendNamed, backendRecognising, type ServerChoice } from './registry.js';

export interface Chosen {
  entry: BackendEntry;
  backend: ServerBackend;
}

export interface Identified {
  kind: string;
  /** How the server named itself ('' when it did not). */
  server: string;
  version: string | undefined;
  /** 'config': xmpp.server fixed it; 'server': the server's own answer; 'default': not recognised. */
  by: 'config' | 'server' | 'default';
}

/** How an identification is logged: a warning when the server was not recognised. */
export function identificationNotice(identified: Identified): { level: 'warn' | 'info'; message: string } {
  return identified.by === 'default'
    ? {
        level: 'warn',
        message: `the XMPP server did not say it is one of the servers the bridge knows; using the ${identified.kind} back end (set xmpp.server to choose)`,
      }
    : { level: 'info', message: 'xmpp server back end chosen' };
}

export interface ServerBackendsOptions {
  choice: ServerChoice;
  /** The host asked (the bridge account's domain). */
  host: string;
  deps: BackendDeps;
}

export class ServerBackends extends EventEmitter<{ identified: [Identified] }> {
  readonly #options: ServerBackendsOptions;
  readonly #session: IqRequester;
  readonly #made = new Map<string, ServerBackend>();
  #latest: Promise<Chosen> | undefined;
  #known: Chosen | undefined;

  constructor(options: ServerBackendsOptions) {
    super();
    this.#options = options;
    this.#session = options.deps.session;
    if (options.choice !== 'auto') this.#known = this.#make(backendNamed(options.choice));
  }

  /** The back end chosen last, if any yet (for start-up warnings). */
  get known(): Chosen | undefined {
    return this.#known;
  }

  /** Asks the server again (on connect and reconnect). Never rejects: a failed attempt is retried on demand. */
  refresh(): Promise<void> {
    if (this.#options.choice !== 'auto') {
      this.emit('identified', { kind: this.#options.choice, server: '', version: undefined, by: 'config' });
      return Promise.resolve();
    }
    const asking = this.#identify();
    this.#latest = asking;
    return asking.then(
      () => undefined,
      () => undefined,
    );
  }

  /** The back end for the connected server, waiting for an identification under way. */
  async current(): Promise<Chosen> {
    if (this.#options.choice !== 'auto') return this.#known as Chosen;
    const asking = (this.#latest ??= this.#identify());
    try {
      return await asking;
    } catch (error) {
      if (this.#latest === asking) this.#latest = undefined;
      throw explainFailure(error);
    }
  }

  async #identify(): Promise<Chosen> {
    const software = await serverSoftware(this.#session, this.#options.host);
    const recognised = software.name === undefined ? undefined : backendRecognising(software.name);
    const [fallback] = BACKENDS;
    if (!fallback) throw new Error('no server back end registered');
    const entry = recognised ?? fallback;
    const chosen = this.#make(entry);
    this.#known = chosen;
    this.emit('identified', {
      kind: entry.kind,
      server: software.name ?? '',
      version: software.version,
      by: recognised ? 'server' : 'default',
    });
    return chosen;
  }

  #make(entry: BackendEntry): Chosen {
    let backend = this.#made.get(entry.kind);
    if (!backend) {
      backend = entry.create(this.#options.deps);
      this.#made.set(entry.kind, backend);
    }
    return { entry, backend };
  }
}
