// XEP-0049 Private XML Storage, written from the owner's own session.
import { xml } from '@xmpp/client-core';
import type { Element } from '@xmpp/xml';
import type { IqRequester } from './in-band-registration.js';

export async function storePrivate(userSession: IqRequester, element: Element): Promise<void> {
  await userSession.request(
    xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:private' }, element)),
  );
}

export async function loadPrivate(
  userSession: IqRequester,
  name: string,
  namespace: string,
): Promise<Element | undefined> {
  const reply = await userSession.request(
    xml(
      'iq',
      { type: 'get' },
      xml('query', { xmlns: 'jabber:iq:private' }, xml(name, { xmlns: namespace })),
    ),
  );
  return reply.getChild('query', 'jabber:iq:private')?.getChild(name, namespace);
}
