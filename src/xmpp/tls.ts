// TLS to the XMPP server with the bridge's own settings (a private CA, the
// name to verify), for both direct TLS (xmpps://) and STARTTLS (xmpp://).
// xmpp.js's @xmpp/tls and @xmpp/starttls take no TLS options, so these are
// the same small plugins with options passed through to node:tls.
import { xml, type Client } from '@xmpp/client-core';
import type { StreamFeatures } from '@xmpp/stream-features';
import ConnectionTLS from '@xmpp/tls/lib/Connection.js';
import { canUpgrade, upgrade } from '@xmpp/starttls/starttls.js';

export interface TlsSettings {
  /** PEM certificates to trust instead of Node's bundled CAs; undefined: the default store. */
  ca?: string[];
  /** The name the server's certificate must carry; default: the XMPP domain (RFC 6120 §13.7.2.1). */
  serverName?: string;
  /** false accepts any certificate: for tests only, it gives up the protection TLS is there for. */
  rejectUnauthorized?: boolean;
}

const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';

/** node:tls options for a connection to `domain`. */
export function tlsOptions(settings: TlsSettings, domain: string): Record<string, unknown> {
  return {
    servername: settings.serverName ?? domain,
    ...(settings.ca ? { ca: settings.ca } : {}),
    rejectUnauthorized: settings.rejectUnauthorized ?? true,
  };
}

/** Direct TLS for xmpps:// services. */
export function directTls(entity: Client, settings: TlsSettings, domain: string): void {
  const options = tlsOptions(settings, domain);
  class ConfiguredTls extends ConnectionTLS {
    override socketParameters(service: string) {
      const params = super.socketParameters(service);
      return params && { ...params, ...options };
    }
  }
  entity.transports.push(ConfiguredTls as unknown as (typeof entity.transports)[number]);
}

/** STARTTLS when the server offers it on an xmpp:// connection. */
export function startTls(streamFeatures: StreamFeatures<Client>, settings: TlsSettings, domain: string): void {
  const options = tlsOptions(settings, domain);
  streamFeatures.use('starttls', NS_TLS, async ({ entity }, next) => {
    const { socket } = entity as unknown as { socket: unknown };
    if (!canUpgrade(socket)) return (await next()) as unknown;
    const answer = await entity.sendReceive(xml('starttls', { xmlns: NS_TLS }));
    if (!answer.is('proceed', NS_TLS)) throw new Error('STARTTLS_FAILURE');
    const secured = await upgrade(socket, { host: domain, ...options });
    (entity as unknown as { _attachSocket(s: unknown): void })._attachSocket(secured);
    await entity.restart();
  });
}
