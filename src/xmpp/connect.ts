// Builds an XMPP client from xmpp.js's small plugins, the way @xmpp/client
// does, but without the parts that hurt a bridge: its fixed 1 s reconnect
// (sessions here reconnect with backoff themselves), SASL2/FAST/stream
// management (not needed), and its SASL mechanisms (slow SCRAM, broken for
// non-ASCII names): authentication is ./sasl/negotiate.ts instead.
// Every connection answers the server's XEP-0199 pings (ejabberd's mod_ping
// may end a session that does not) and refuses any other IQ addressed to it
// with <service-unavailable/>, as RFC 6120 §8.4 asks.
import { Client, jid as makeJid } from '@xmpp/client-core';
import iqCalleePlugin from '@xmpp/iq/callee.js';
import iqCallerPlugin, { type IQCaller } from '@xmpp/iq/caller.js';
import middlewarePlugin from '@xmpp/middleware';
import resourceBinding from '@xmpp/resource-binding';
import streamFeaturesPlugin from '@xmpp/stream-features';
import tcp from '@xmpp/tcp';
import { saslNegotiation } from './sasl/negotiate.js';
import { directTls, startTls, type TlsSettings } from './tls.js';

export interface Credentials {
  /** Local part only; the domain comes from the JID's host. */
  username: string;
  domain: string;
  password: string;
}

export interface ConnectionOptions extends Credentials {
  /** xmpp://host:port (STARTTLS when offered) or xmpps://host:port (direct TLS). */
  service: string;
  /** Bound on each step of stream setup (connect, open, close). */
  timeoutMs: number;
  resource?: string;
  /** TLS settings for xmpps:// and STARTTLS (./tls.ts); default: Node's CAs, the XMPP domain's name. */
  tls?: TlsSettings;
  /** Told each time the connection answers a ping from the server. */
  onServerPing?: () => void;
}

export interface XmppConnection {
  entity: Client;
  iqCaller: IQCaller<Client>;
}

export function createConnection(options: ConnectionOptions): XmppConnection {
  const entity = new Client({
    service: options.service,
    domain: options.domain,
    timeout: options.timeoutMs,
  });
  entity.jid = makeJid(options.username, options.domain);

  tcp({ entity });
  directTls(entity, options.tls ?? {}, options.domain);
  const middleware = middlewarePlugin({ entity });
  const streamFeatures = streamFeaturesPlugin({ middleware });
  const iqCaller = iqCallerPlugin({ middleware, entity });
  // The callee answers <service-unavailable/> to every get/set no handler takes.
  iqCalleePlugin({ middleware, entity }).get('urn:xmpp:ping', 'ping', () => {
    options.onServerPing?.();
    return true;
  });
  startTls(streamFeatures, options.tls ?? {}, options.domain);
  saslNegotiation({ streamFeatures }, () => ({
    username: options.username,
    password: options.password,
  }));
  resourceBinding({ streamFeatures, iqCaller }, options.resource ?? 'ejabberd-restful');
  return { entity, iqCaller };
}
