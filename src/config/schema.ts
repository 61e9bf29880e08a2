// The configuration file's schema, as io-ts codecs. Names follow the YAML
// keys; ./load.ts turns a decoded file into the resolved BridgeConfig.
import * as t from 'io-ts';
import { closed, NonEmptyString, Port, PositiveInt, Segment } from './codecs.js';

const opt = <C extends t.Mixed>(codec: C) => t.union([codec, t.undefined]);

const LOG_LEVEL_KEYS = { fatal: null, error: null, warn: null, info: null, debug: null, trace: null, silent: null };
export type LogLevel = keyof typeof LOG_LEVEL_KEYS;
export const LogLevelCodec = t.keyof(LOG_LEVEL_KEYS, 'LogLevel');

/** An origin as a browser sends it (scheme://host[:port], no path), or "*" for any. */
const CorsOrigin = t.refinement(
  t.string,
  (s) => s === '*' || /^https?:\/\/[^/\s]+$/.test(s),
  'CorsOrigin',
);

export const RegisterMountFile = closed(
  {
    path: Segment,
    module: t.literal('register'),
    key: opt(NonEmptyString),
    hooks: opt(t.array(t.keyof({ private_email: null }))),
  },
  'RegisterMount',
);

export const AdminMountFile = closed(
  {
    path: Segment,
    module: t.literal('admin'),
    key: opt(NonEmptyString),
    allowed_commands: opt(t.array(NonEmptyString)),
    allowed_nodes: opt(t.array(NonEmptyString)),
  },
  'AdminMount',
);

/** Only `module` is read first: it picks the codec for the rest of the entry. */
export const MountHead = t.type({ module: t.keyof({ register: null, admin: null }) }, 'Mount');

export const ConfigFile = closed(
  {
    listen: opt(closed({ host: opt(NonEmptyString), port: opt(Port) }, 'Listen')),
    base_path: opt(
      t.refinement(t.string, (s) => /^(\/[A-Za-z0-9._~-]+)+$/.test(s), 'AbsolutePath'),
    ),
    xmpp: closed(
      {
        service: t.refinement(t.string, (s) => /^xmpps?:\/\/[^/]+$/.test(s), 'XmppServiceUrl'),
        jid: t.refinement(t.string, (s) => /^[^@/\s]+@[^@/\s]+$/.test(s), 'BareJid'),
        password: opt(NonEmptyString),
        password_file: opt(NonEmptyString),
        request_timeout_ms: opt(PositiveInt),
        reconnect: opt(
          closed(
            { initial_delay_ms: opt(PositiveInt), max_delay_ms: opt(PositiveInt) },
            'Reconnect',
          ),
        ),
        tls: opt(
          closed(
            {
              ca_file: opt(NonEmptyString),
              server_name: opt(NonEmptyString),
              reject_unauthorized: opt(t.boolean),
            },
            'Tls',
          ),
        ),
      },
      'Xmpp',
    ),
    hosts: t.refinement(t.array(NonEmptyString), (hosts) => hosts.length > 0, 'NonEmptyHostList'),
    api: t.array(t.unknown),
    limits: opt(
      closed(
        {
          body_bytes: opt(PositiveInt),
          failed_logins: opt(
            closed(
              { max: t.union([PositiveInt, t.literal('unlimited')]), window_seconds: PositiveInt },
              'FailedLogins',
            ),
          ),
        },
        'Limits',
      ),
    ),
    log: opt(closed({ level: opt(LogLevelCodec), pretty: opt(t.boolean) }, 'Log')),
    shutdown: opt(closed({ grace_period_ms: opt(PositiveInt) }, 'Shutdown')),
    metrics: opt(
      closed(
        {
          enabled: opt(t.boolean),
          listen: opt(closed({ host: opt(NonEmptyString), port: opt(Port) }, 'MetricsListen')),
        },
        'Metrics',
      ),
    ),
    cors: opt(closed({ allowed_origins: t.array(CorsOrigin) }, 'Cors')),
  },
  'Config',
);

export type ConfigFile = t.TypeOf<typeof ConfigFile>;
export type RegisterMountFile = t.TypeOf<typeof RegisterMountFile>;
export type AdminMountFile = t.TypeOf<typeof AdminMountFile>;
