// XEP-0077 In-Band Registration: create an account from the bridge's session,
// remove one by its password, and change a password from the user's own session.
import { xml } from '@xmpp/client-core';
import type { Element } from '@xmpp/xml';
import type { RequestOptions } from './iq-channel.js';

const NS = 'jabber:iq:register';

/** Anything that can send an IQ and wait for its answer (optionally with a message just before it, see ./iq-channel.ts). */
export interface IqRequester {
  request(iq: Element, options?: RequestOptions): Promise<Element>;
}

function registerIq(host: string, ...children: Element[]): Element {
  return xml('iq', { type: 'set', to: host }, xml('query', { xmlns: NS }, ...children));
}

/** Creates username@host. ejabberd: <conflict/> if it exists, <not-acceptable/> for a refused password. */
export async function registerAccount(
  session: IqRequester,
  host: string,
  username: string,
  password: string,
): Promise<void> {
  await session.request(
    registerIq(host, xml('username', {}, username), xml('password', {}, password)),
  );
}

/** Removes username@host if `password` is right; ejabberd answers <forbidden/> otherwise (also for a missing account). */
export async function removeAccountByPassword(
  session: IqRequester,
  host: string,
  username: string,
  password: string,
): Promise<void> {
  await session.request(
    registerIq(
      host,
      xml('username', {}, username),
      xml('password', {}, password),
      xml('remove', {}),
    ),
  );
}

/**
 * Run on the user's own session: sets that user's password; the session
 * stays up. XEP-0077 §3.3: the same query as a registration, sent logged in.
 */
export function changeOwnPassword(
  userSession: IqRequester,
  host: string,
  username: string,
  newPassword: string,
): Promise<void> {
  return registerAccount(userSession, host, username, newPassword);
}
