// The README's table of which endpoint and admin command works on which
// server, rendered from the back ends' own declarations
// (test/unit/server-backends.test.ts checks the README against it).
import { ADMIN_OPERATIONS, REGISTER_ENDPOINTS, type Support } from './backend.js';
import { BACKENDS } from './registry.js';

const cell = (support: Support): string =>
  'unsupported' in support ? `501 not_supported: ${support.unsupported}` : `yes (${support.how})`;

export function supportTable(): string {
  const header = `| endpoint / command | ${BACKENDS.map((b) => b.label).join(' | ')} |`;
  const rule = `|---|${BACKENDS.map(() => '---|').join('')}`;
  const rows = [
    ...REGISTER_ENDPOINTS.map(
      (endpoint) => `| register \`${endpoint}\` | ${BACKENDS.map((b) => cell(b.support.register[endpoint])).join(' | ')} |`,
    ),
    ...ADMIN_OPERATIONS.map(
      (operation) => `| admin \`${operation}\` | ${BACKENDS.map((b) => cell(b.support.admin[operation])).join(' | ')} |`,
    ),
  ];
  return [header, rule, ...rows].join('\n');
}
