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
  };
  /** Virtual hosts requests may name, nameprep'd. */
  hosts: string[];
  api: Mount[];
  limits: {
    bodyBytes: number;
    /** Failed user logins the bridge makes per window (fail2ban guard); undefined: unlimited. */
    failedLogins: { max: number; windowSeconds: number } | undefined;
  };
  log: { level: LogLevel };
}
