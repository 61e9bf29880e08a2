// Which ad-hoc command nodes the XMPP server offers the bridge's account, per
// host. Listed again on every (re)connect: the server may have been
// reconfigured (reload_config) or replaced while the bridge was away. A
// command whose node is not offered is refused as not_supported before
// anything is sent, naming the server module that would serve it.
import { EventEmitter } from 'node:events';
import { listCommandsByHost } from '../xmpp/adhoc.js';
import type { IqRequester } from '../xmpp/in-band-registration.js';
import { explainFailure } from '../contract/xmpp-outcome.js';
import { Refusal } from '../contract/refusal.js';

/** Command nodes offered, by host. */
export type OfferedNodes = ReadonlyMap<string, ReadonlySet<string>>;

export interface MissingNode {
  host: string;
  node: string;
  /** The server module that serves the node, when known (the back end's words: withHints). */
  module: string | undefined;
  /** Set when no module would help: the server's back end cannot serve the operation at all (why). */
  unsupported?: string;
  /** How to enable `module` on this server, in its back end's words. */
  enable?: string;
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

  /**
   * Refuses with not_supported unless every node is offered on every host;
   * `server`: the back end's words for the module to enable (undefined while no back end is known).
   */
  async require(nodes: readonly string[], hosts: readonly string[], server: ServerHints | undefined): Promise<void> {
    const [first] = missingNodes(await this.current(), nodes, hosts);
    if (first) throw new Refusal('not_supported', describeMissing(server ? withHints(first, server) : first));
  }

  #discover(): Promise<OfferedNodes> {
    return listCommandsByHost(this.#session, this.#hosts);
  }
}

export function missingNodes(offered: OfferedNodes, nodes: readonly string[], hosts: readonly string[]): MissingNode[] {
  return hosts.flatMap((host) =>
    nodes
      .filter((node) => !offered.get(host)?.has(node))
      .map((node) => ({ host, node, module: undefined })),
  );
}

/** What a server back end says about its modules, for operators' messages (../backends: BackendEntry). */
export interface ServerHints {
  moduleOf(node: string): string | undefined;
  enableHint(module: string): string;
}

/** The node's module and how to enable it, in the words of the server's back end. */
export function withHints(missing: MissingNode, server: ServerHints): MissingNode {
  const module = server.moduleOf(missing.node);
  return { ...missing, module, enable: module === undefined ? undefined : server.enableHint(module) };
}

export function describeMissing({ host, node, module, unsupported, enable }: MissingNode): string {
  if (unsupported !== undefined) return `${node} is not supported on ${host}: ${unsupported}`;
  const fix =
    module !== undefined && enable !== undefined ? enable : 'check the XMPP server modules and the access rules for the bridge account';
  return `the XMPP server does not offer the command ${node} on ${host}: ${fix}`;
}
