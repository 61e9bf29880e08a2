// The resolved configuration every other part of the bridge reads.
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
    service: string;
    /** Bare JID of the bridge's own account. */
    jid: { local: string; domain: string };
    password: string;
    requestTimeoutMs: number;
    reconnect: { initialDelayMs: number; maxDelayMs: number };
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
  api: Mount[];
  limits: {
    bodyBytes: number;
    /** Failed user logins the bridge makes per window (fail2ban guard); undefined: unlimited. */
    failedLogins: { max: number; windowSeconds: number } | undefined;
  };
  log: { level: LogLevel; pretty: boolean };
  /** How long requests in flight may take to finish after SIGTERM/SIGINT. */
  shutdown: { gracePeriodMs: number };
  /** Prometheus metrics: on the main listener at /metrics, or on a listener of their own. */
  metrics: { enabled: boolean; listen: { host: string; port: number } | undefined };
  /** Origins browsers may call the API from; undefined: CORS off (no CORS headers at all). */
  cors: { allowedOrigins: string[] } | undefined;
}
