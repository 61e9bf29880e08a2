// Which ad-hoc command nodes the XMPP server offers the bridge's account, per
// host. Listed again on every (re)connect: the server may have been
// reconfigured (reload_config) or replaced while the bridge was away. A
// command whose node is not offered is refused as not_supported before
// anything is sent, naming the server module that would serve it.
import { EventEmitter } from 'node:events';
import { listCommandsByHost } from '../xmpp/adhoc.js';
import { serverModuleOf } from '../xmpp/admin-commands.js';
import type { IqRequester } from '../xmpp/in-band-registration.js';
import { explainFailure } from './xmpp-outcome.js';
import { Refusal } from './refusal.js';

/** Command nodes offered, by host. */
export type OfferedNodes = ReadonlyMap<string, ReadonlySet<string>>;

export interface MissingNode {
  host: string;
  node: string;
  /** The ejabberd module that serves the node, when known. */
  module: string | undefined;
}

export class ServerCapabilities extends EventEmitter<{ discovered: [OfferedNodes] }> {
  readonly #session: IqRequester;
  readonly #hosts: readonly string[];
  #latest: Promise<OfferedNodes> | undefined;

  constructor(session: IqRequester, hosts: readonly string[]) {
    super();
    this.#session = session;
    this.#hosts = hosts;
  }

  /** Lists the nodes again (on connect and reconnect). Never rejects: a failed listing is retried on demand. */
  refresh(): Promise<void> {
    const listing = this.#discover();
    this.#latest = listing;
    return listing.then(
      (offered) => {
        this.emit('discovered', offered);
      },
      () => undefined,
    );
  }

  /** The latest listing, waiting for one under way; lists now if the last attempt failed. */
  async current(): Promise<OfferedNodes> {
    const listing = (this.#latest ??= this.#discover());
    try {
      return await listing;
    } catch (error) {
      if (this.#latest === listing) this.#latest = undefined;
      throw explainFailure(error);
    }
  }

  /** Refuses with not_supported unless every node is offered on every host. */
  async require(nodes: readonly string[], hosts: readonly string[]): Promise<void> {
    const [first] = missingNodes(await this.current(), nodes, hosts);
    if (first) throw new Refusal('not_supported', describeMissing(first));
  }

  #discover(): Promise<OfferedNodes> {
    return listCommandsByHost(this.#session, this.#hosts);
  }
}

export function missingNodes(offered: OfferedNodes, nodes: readonly string[], hosts: readonly string[]): MissingNode[] {
  return hosts.flatMap((host) =>
    nodes
      .filter((node) => !offered.get(host)?.has(node))
      .map((node) => ({ host, node, module: serverModuleOf(node) })),
  );
}

export function describeMissing({ host, node, module }: MissingNode): string {
  const fix = module
    ? `enable ${module} (and mod_adhoc) in ejabberd and let the bridge's account use it`
    : 'check the XMPP server modules and the access rules for the bridge account';
  return `the XMPP server does not offer the command ${node} on ${host}: ${fix}`;
}
