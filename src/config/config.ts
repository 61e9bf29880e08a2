// The resolved configuration every other part of the bridge reads.
import type { ServerChoice } from '../backends/registry.js';
import type { WindowLimit } from '../limits/window.js';
import type { LogLevel } from './schema.js';

export interface RegisterMount {
  module: 'register';
  path: string;
  key: string | undefined;
  hooks: 'private_email'[];
}

export interface AdminMount {
  module: 'admin';
  path: string;
  key: string | undefined;
  allowedCommands: string[];
  allowedNodes: string[];
}

export type Mount = RegisterMount | AdminMount;

export interface BridgeConfig {
  listen: { host: string; port: number };
  basePath: string;
  xmpp: {
    /** xmpp:// or xmpps:// URLs: one server, or the nodes of one cluster. */
    services: string[];
    /** Bare JID of the bridge's own account. */
    jid: { local: string; domain: string };
    /** Which server back end (src/backends): 'auto' asks the server at connect time. */
    server: ServerChoice;
    password: string;
    requestTimeoutMs: number;
    /** The bridge's own sessions, kept open at once (a pool). */
    sessions: number;
    reconnect: { initialDelayMs: number; maxDelayMs: number };
    /** XEP-0199 pings on an idle session, and recycling after requests that get no answer. */
    keepalive: { idleMs: number; timeoutMs: number; maxTimeouts: number };
    /** TLS to the server (xmpps:// or STARTTLS). */
    tls: {
      /** PEM text of xmpp.tls.ca_file, trusted instead of Node's CAs; undefined: Node's CAs. */
      ca: string | undefined;
      /** Name the certificate must carry; undefined: the XMPP domain of the JID. */
      serverName: string | undefined;
      rejectUnauthorized: boolean;
    };
  };
  /** Virtual hosts requests may name, nameprep'd. */
  hosts: string[];
  /** Bare JIDs (prepared) never mutated through the bridge; the bridge's own account comes first. */
  protectedAccounts: string[];
  /** Peers whose X-Forwarded-For is believed (addresses or subnets); empty: none. */
  trustedProxies: string[];
  api: Mount[];
  limits: {
    bodyBytes: number;
    /** Wrong passwords allowed per window; undefined: that limit is off. */
    failedLogins: {
      perAccount: WindowLimit | undefined;
      perClient: WindowLimit | undefined;
      /** All failed logins of the bridge, kept under mod_fail2ban's threshold. */
      serverGuard: WindowLimit | undefined;
    };
    /** XMPP requests and user logins in flight, and how many may wait how long for a slot. */
    xmppInFlight: { max: number; queue: number; queueWaitMs: number };
    /** How long a client may take to send a whole request (headers and body). */
    requestReceiveMs: number;
    /** redis://host:port[/db] holding the wrong-password counts shared by instances; undefined: this process's memory. */
    store: string | undefined;
  };
  log: { level: LogLevel; pretty: boolean };
  /** How long requests in flight may take to finish after SIGTERM/SIGINT. */
  shutdown: { gracePeriodMs: number };
  /** Prometheus metrics: on the main listener at /metrics, or on a listener of their own. */
  metrics: { enabled: boolean; listen: { host: string; port: number } | undefined };
  /** Origins browsers may call the API from; undefined: CORS off (no CORS headers at all). */
  cors: { allowedOrigins: string[] } | undefined;
  /** The interactive API reference at <base_path>/docs. */
  docs: { enabled: boolean };
}
