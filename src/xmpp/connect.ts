// Builds an XMPP client from xmpp.js's small plugins, the way @xmpp/client
// does, but without the parts that hurt a bridge: its fixed 1 s reconnect
// (sessions here reconnect with backoff themselves), SASL2/FAST/stream
// management (not needed), and its SASL mechanisms (slow SCRAM, broken for
// non-ASCII names): authentication is ./sasl/negotiate.ts instead.
// xmpp.js's middleware is needed only to log in (stream features, SASL,
// resource binding): once online it is detached, since it parses both JIDs
// of every stanza in and out (~8 % of the bridge's CPU under load). What
// remains, IQ replies and the server's own IQs, ./link.ts handles.
import { Client, jid as makeJid } from '@xmpp/client-core';
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
}

/** Cap on xmpp.js's internal waits; the bridge's own deadlines are set in ./link.ts. */
const XMPPJS_WAIT_MS = 5000;

export interface XmppConnection {
  entity: Client;
  iqCaller: IQCaller<Client>;
  /** Detaches the login machinery (xmpp.js's middleware) once online. */
  endLoginPhase(): void;
}

export function createConnection(options: ConnectionOptions): XmppConnection {
  const entity = new Client({
    service: options.service,
    domain: options.domain,
    // xmpp.js's own waits (the stream header, the server's closing tag) keep
    // a timer running this long even after the connection was given up: a
    // few seconds are plenty for them, whatever the caller's deadline.
    timeout: Math.min(options.timeoutMs, XMPPJS_WAIT_MS),
  });
  entity.jid = makeJid(options.username, options.domain);

  tcp({ entity });
  // Each turn's stanzas leave in one write (./iq-channel.ts), so Nagle's
  // algorithm only adds delay: it would hold a write back until the
  // server acknowledged the one before, which delayed ACKs can keep waiting.
  entity.on('connect', () => (entity.socket as { setNoDelay?: (on: boolean) => void } | null)?.setNoDelay?.(true));
  directTls(entity, options.tls ?? {}, options.domain);
  const middleware = middlewarePlugin({ entity });
  // The middleware's own listeners: every 'element' and 'send' listener so far.
  const loginListeners = (['element', 'send'] as const).map((event) => [event, entity.listeners(event)] as const);
  const streamFeatures = streamFeaturesPlugin({ middleware });
  const iqCaller = iqCallerPlugin({ middleware, entity });
  startTls(streamFeatures, options.tls ?? {}, options.domain);
  saslNegotiation({ streamFeatures }, () => ({
    username: options.username,
    password: options.password,
  }));
  resourceBinding({ streamFeatures, iqCaller }, options.resource ?? 'ejabberd-restful');
  return {
    entity,
    iqCaller,
    endLoginPhase() {
      for (const [event, listeners] of loginListeners) {
        for (const listener of listeners) entity.off(event, listener as (...args: unknown[]) => void);
      }
    },
  };
}
