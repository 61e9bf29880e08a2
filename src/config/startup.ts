// What the bridge says about its configuration when it starts: a summary
// (never a secret) and the warnings an operator should act on.
import type { BridgeConfig } from './config.js';

/** The configuration as logged at start-up: addresses, names and switches, never a password or key. */
export function startupSummary(config: BridgeConfig): Record<string, unknown> {
  const { xmpp } = config;
  return {
    xmpp: {
      services: xmpp.services,
      jid: `${xmpp.jid.local}@${xmpp.jid.domain}`,
      sessions: xmpp.sessions,
      customCa: xmpp.tls.ca !== undefined,
    },
    hosts: config.hosts,
    mounts: config.api.map((m) => `${config.basePath}/${m.path} (${m.module}${m.key === undefined ? '' : ', keyed'})`),
    metrics: !config.metrics.enabled ? 'off' : config.metrics.listen ? 'own listener' : 'main listener',
    cors: config.cors?.allowedOrigins ?? 'off',
    gracePeriodMs: config.shutdown.gracePeriodMs,
  };
}

export interface ConfigWarning {
  fields: Record<string, unknown>;
  message: string;
}

/** Settings that work but that an operator should reconsider. */
export function configWarnings(config: BridgeConfig): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const { serverGuard } = config.limits.failedLogins;
  if (serverGuard) {
    warnings.push({
      fields: { serverGuard },
      message:
        'limits.failed_logins.server_guard is on: after that many failed logins in all, every password check answers 429 ' +
        "until the window passes. It keeps mod_fail2ban from banning the bridge's address; exempt that address in ejabberd " +
        '(mod_fail2ban access, as ejabberd.yml.example does) and set server_guard: off',
    });
  }
  return warnings;
}
