// The XMPP servers the bridge has a back end for, by the name the
// configuration uses (`xmpp.server`). Adding a server: its name here and its
// back end in ./registry.ts.
export const SERVER_KINDS = ['ejabberd', 'prosody'] as const;

export type ServerKind = (typeof SERVER_KINDS)[number];

/** `xmpp.server`: a back end by name, or `auto` (asked of the server at connect time). */
export type ServerChoice = ServerKind | 'auto';
