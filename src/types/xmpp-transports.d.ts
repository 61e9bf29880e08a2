// Minimal types for the xmpp.js transport plugins that ship without any.
declare module '@xmpp/tcp' {
  import type { Client } from '@xmpp/client-core';
  export default function tcp(deps: { entity: Client }): void;
}
declare module '@xmpp/tls' {
  import type { Client } from '@xmpp/client-core';
  export default function tls(deps: { entity: Client }): void;
}
declare module '@xmpp/starttls' {
  import type { Client } from '@xmpp/client-core';
  import type { StreamFeatures } from '@xmpp/stream-features';
  export default function starttls(deps: { streamFeatures: StreamFeatures<Client> }): void;
}
declare module '@xmpp/middleware/lib/StanzaError.js' {
  import type { Element } from '@xmpp/xml';
  export default class StanzaError extends Error {
    condition: string;
    text: string;
    type: string | undefined;
    element?: Element;
  }
}
