// The configuration file's schema, as io-ts codecs. Names follow the YAML
// keys; ./load.ts turns a decoded file into the resolved BridgeConfig.
import * as t from 'io-ts';
import { isIP } from 'node:net';
import { SERVER_KINDS } from '../backends/registry.js';
import { closed, NonEmptyString, NonNegativeInt, Port, PositiveInt, Segment } from './codecs.js';

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

const XmppServiceUrl = t.refinement(t.string, (s) => /^xmpps?:\/\/[^/]+$/.test(s), 'XmppServiceUrl');

const BareJid = t.refinement(t.string, (s) => /^[^@/\s]+@[^@/\s]+$/.test(s), 'BareJid');

/** An IP address, or a subnet such as 10.0.0.0/8 or fd00::/8. */
const AddressOrSubnet = t.refinement(
  t.string,
  (s) => {
    const [address = '', bits, extra] = s.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return false;
    if (bits === undefined) return true;
    const n = Number(bits);
    return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
  },
  'AddressOrSubnet',
);

/** At most `max` failures within `window_seconds`. */
const WindowLimit = closed({ max: PositiveInt, window_seconds: PositiveInt }, 'WindowLimit');

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
        // One URL, or the nodes of one cluster.
        service: t.union([XmppServiceUrl, t.refinement(t.array(XmppServiceUrl), (list) => list.length > 0, 'NonEmptyServiceList')]),
        jid: BareJid,
        // Which server back end: asked of the server at connect time (auto), or fixed.
        server: opt(t.keyof(Object.fromEntries(['auto', ...SERVER_KINDS].map((k) => [k, null])) as Record<'auto' | (typeof SERVER_KINDS)[number], null>, 'XmppServer')),
        password: opt(NonEmptyString),
        password_file: opt(NonEmptyString),
        request_timeout_ms: opt(PositiveInt),
        sessions: opt(PositiveInt),
        reconnect: opt(
          closed(
            { initial_delay_ms: opt(PositiveInt), max_delay_ms: opt(PositiveInt) },
            'Reconnect',
          ),
        ),
        keepalive: opt(
          closed(
            { idle_ms: opt(PositiveInt), timeout_ms: opt(PositiveInt), max_timeouts: opt(PositiveInt) },
            'Keepalive',
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
    protected_accounts: opt(t.array(BareJid)),
    trusted_proxies: opt(t.array(AddressOrSubnet)),
    api: t.array(t.unknown),
    limits: opt(
      closed(
        {
          body_bytes: opt(PositiveInt),
          failed_logins: opt(
            closed(
              {
                per_account: opt(t.union([WindowLimit, t.literal('off')])),
                per_client: opt(t.union([WindowLimit, t.literal('off')])),
                server_guard: opt(t.union([WindowLimit, t.literal('off')])),
              },
              'FailedLogins',
            ),
          ),
          xmpp_in_flight: opt(
            closed({ max: opt(PositiveInt), queue: opt(NonNegativeInt), queue_wait_ms: opt(PositiveInt) }, 'InFlight'),
          ),
          request_receive_ms: opt(PositiveInt),
          // Where the wrong-password counts live when several instances share them.
          store: opt(t.refinement(t.string, (s) => /^redis:\/\/[^/\s@]+(\/\d{1,5})?$/.test(s), 'RedisUrl')),
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
    docs: opt(closed({ enabled: opt(t.boolean) }, 'Docs')),
  },
  'Config',
);

export type ConfigFile = t.TypeOf<typeof ConfigFile>;
export type RegisterMountFile = t.TypeOf<typeof RegisterMountFile>;
export type AdminMountFile = t.TypeOf<typeof AdminMountFile>;
