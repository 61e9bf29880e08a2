// What XMPP server software answers at a host: XEP-0092 (jabber:iq:version)
// first, then the disco#info identity name (Prosody's is "Prosody",
// ejabberd's "ejabberd"), for servers without the version module.
import { xml } from '@xmpp/client-core';
import { StanzaFailure } from '../contract/xmpp-failures.js';
import type { IqRequester } from './in-band-registration.js';

export interface ServerSoftware {
  /** As the server names itself, e.g. "ejabberd", "Prosody"; undefined when it does not say. */
  name: string | undefined;
  version: string | undefined;
  /** Where the name came from. */
  source: 'version' | 'disco' | 'none';
}

/** Answers that mean "this server does not tell": try the next way. Others (timeouts, lost sessions) reject. */
const NOT_TOLD: ReadonlySet<string> = new Set(['service-unavailable', 'feature-not-implemented', 'item-not-found', 'forbidden', 'not-allowed']);

export async function serverSoftware(session: IqRequester, host: string): Promise<ServerSoftware> {
  try {
    const reply = await session.request(xml('iq', { type: 'get', to: host }, xml('query', { xmlns: 'jabber:iq:version' })));
    const query = reply.getChild('query', 'jabber:iq:version');
    const name = query?.getChildText('name')?.trim();
    if (name) return { name, version: query?.getChildText('version')?.trim() || undefined, source: 'version' };
  } catch (error) {
    if (!(error instanceof StanzaFailure && NOT_TOLD.has(error.condition))) throw error;
  }
  try {
    const reply = await session.request(
      xml('iq', { type: 'get', to: host }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })),
    );
    const identities = reply.getChild('query', 'http://jabber.org/protocol/disco#info')?.getChildren('identity') ?? [];
    const server = identities.find((i) => i.attrs.category === 'server') ?? identities[0];
    const name = (server?.attrs.name as string | undefined)?.trim();
    if (name) return { name, version: undefined, source: 'disco' };
  } catch (error) {
    if (!(error instanceof StanzaFailure && NOT_TOLD.has(error.condition))) throw error;
  }
  return { name: undefined, version: undefined, source: 'none' };
}
