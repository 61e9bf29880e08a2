// npm run demo: a throwaway ejabberd (from ejabberd.yml.example) plus the
// bridge in front of it, with ready-to-paste curl lines. Ctrl-C removes both.
import { randomBytes } from 'node:crypto';
import { startBridge } from '../src/bridge.js';
import { resolveConfig } from '../src/config/load.js';
import { startEjabberd } from '../src/dev/ejabberd.js';
import { createLogger } from '../src/log.js';

const port = Number(process.env.PORT ?? 8088);
const key = randomBytes(9).toString('base64url');

process.stdout.write('Starting a throwaway ejabberd (Debian package) in a temp dir...\n');
const server = await startEjabberd({ log: (line) => process.stdout.write(`  ${line}\n`) });
let bridge: Awaited<ReturnType<typeof startBridge>> | undefined;
const cleanUp = async () => {
  await bridge?.close(2000);
  await server.stop();
};

try {
  const config = await resolveConfig(
    {
      listen: { host: '127.0.0.1', port },
      xmpp: { service: server.service, jid: server.adminJid, password: server.adminPassword },
      hosts: server.hosts,
      api: [
        { path: 'register', module: 'register', key, hooks: ['private_email'] },
        { path: 'admin', module: 'admin', key, allowed_commands: ['register', 'unregister', 'check_account', 'registered_users', 'connected_users_number'] },
      ],
      log: { level: process.env.LOG_LEVEL ?? 'warn' },
    },
    { env: {}, baseDir: process.cwd() },
  );
  // The demo is for people: readable log lines.
  bridge = await startBridge(config, createLogger(config.log.level, { pretty: true }));
} catch (error) {
  await cleanUp();
  throw error;
}

const { url } = bridge;
const origin = new URL(url).origin;
const json = "-H 'Content-Type: application/json'";
process.stdout.write(`
ejabberd-restful is up at ${url}
  XMPP server: ${server.service} (host ${server.host}, bridge account ${server.adminJid})
  key:         ${key}

Try:
  curl -s ${json} -d '{"key":"${key}","username":"alice","host":"${server.host}","password":"s3cret","email":"alice@example.org"}' ${url}/register/register
  curl -s '${url}/register/is_registered?key=${key}&username=alice&host=${server.host}'
  curl -s ${json} -d '{"key":"${key}","username":"alice","host":"${server.host}","old_password":"s3cret","new_password":"n3w"}' ${url}/register/change_password
  curl -s ${json} -d '{"key":"${key}","username":"alice","host":"${server.host}","password":"n3w"}' ${url}/register/unregister
  curl -s ${json} -d '{"key":"${key}","command":"registered_users","args":["${server.host}"]}' ${url}/admin

Operations (no key needed):
${[
  [`${origin}/ready`, '200 while the XMPP session is up'],
  [`${origin}/metrics`, 'Prometheus metrics'],
  [`${url}/openapi.json`, 'the OpenAPI 3.1 document of this API'],
]
  .map(([target = '', what = '']) => `  curl -s ${target.padEnd(url.length + 14)} # ${what}`)
  .join('\n')}

Ctrl-C stops the bridge and ejabberd and removes their files.
`);

await new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});
process.stdout.write('\nStopping...\n');
await cleanUp();
process.stdout.write('Stopped; nothing left behind.\n');
process.exit(0);
