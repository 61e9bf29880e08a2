// Whether an account exists, with no side effect for an offline account and
// no dependence on mod_last: a body-less headline to the bare JID and a ping
// to the server, in one write. The server handles them in order, so an
// absent account's <service-unavailable/> bounce arrives before the pong; an
// existing account bounces nothing (headlines are not stored offline; an
// online one receives an empty headline). Verified on ejabberd 23.01, also
// across cluster nodes right after a registration (XMPP-FACTS). Caveat: an
// account that blocks the bridge's JID (XEP-0191) bounces as if absent.
import { xml } from '@xmpp/client-core';
import { PrecedingBounced } from '../../contract/xmpp-failures.js';
import type { IqRequester } from '../../xmpp/in-band-registration.js';

const NS_PROBE = 'urn:xmpp:ejabberd-restful:probe:0';

export async function accountExists(session: IqRequester, host: string, accountJid: string): Promise<boolean> {
  const headline = xml('message', { type: 'headline', to: accountJid }, xml('x', { xmlns: NS_PROBE }));
  const ping = xml('iq', { type: 'get', to: host }, xml('ping', { xmlns: 'urn:xmpp:ping' }));
  try {
    await session.request(ping, { before: headline });
    return true;
  } catch (error) {
    if (error instanceof PrecedingBounced && error.condition === 'service-unavailable') return false;
    throw error;
  }
}
