// Client-side cost of one SCRAM-SHA-1 login (4096 iterations, RFC 5802 inputs):
// this project's ScramClient vs xmpp.js's sasl-scram-sha-1. Prints figures only.
// Run: npx tsx bench/scram.ts [sequentialRounds] [parallel]
import { performance } from 'node:perf_hooks';
import XmppJsScramSha1 from 'sasl-scram-sha-1';

import { ScramClient } from '../src/xmpp/sasl/scram.js';

const NONCE = 'fyko+d2lbbFgONRv9qkxdawL';
const SERVER_FIRST = 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096';
const EXPECTED = 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=';
const CREDENTIALS = { username: 'user', password: 'pencil' };

async function ours(): Promise<string> {
  const client = new ScramClient({ hash: 'sha1', ...CREDENTIALS, nonce: NONCE });
  client.clientFirst();
  return (await client.clientFinal(Buffer.from(SERVER_FIRST, 'utf8'))).toString('utf8');
}

async function xmppJs(): Promise<string> {
  const mech = new XmppJsScramSha1({ genNonce: () => NONCE });
  await mech.response(CREDENTIALS);
  mech.challenge(SERVER_FIRST);
  return mech.response(CREDENTIALS);
}

/** Wall and process CPU time per login; the longest gap between 1 ms timer ticks. */
async function measure(
  work: () => Promise<string>,
  rounds: number,
  parallel: number,
): Promise<{ msPerLogin: number; cpuMsPerLogin: number; maxStallMs: number }> {
  let last = performance.now();
  let maxStall = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxStall = Math.max(maxStall, now - last);
    last = now;
  }, 1);
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    const results = await Promise.all(Array.from({ length: parallel }, work));
    if (results.some((r) => r !== EXPECTED)) throw new Error('wrong client-final-message');
  }
  const elapsed = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  clearInterval(ticker);
  const n = rounds * parallel;
  return { msPerLogin: elapsed / n, cpuMsPerLogin: (user + system) / 1000 / n, maxStallMs: maxStall };
}

const rounds = Number(process.argv[2] ?? 20);
const parallel = Number(process.argv[3] ?? 8);

await ours();
await xmppJs();

const fmt = (n: number): string => n.toFixed(2).padStart(8);
console.log(`SCRAM-SHA-1 client proof, 4096 iterations, node ${process.version}`);
for (const [label, p, r] of [
  ['sequential', 1, rounds],
  [`${parallel} in parallel`, parallel, Math.max(1, Math.ceil(rounds / parallel))],
] as const) {
  const a = await measure(ours, r, p);
  const b = await measure(xmppJs, r, p);
  console.log(`\n${label} (${r * p} logins each):`);
  console.log(`  ScramClient (node:crypto pbkdf2) ${fmt(a.msPerLogin)} ms/login ${fmt(a.cpuMsPerLogin)} ms CPU/login   max timer gap ${fmt(a.maxStallMs)} ms`);
  console.log(`  xmpp.js sasl-scram-sha-1         ${fmt(b.msPerLogin)} ms/login ${fmt(b.cpuMsPerLogin)} ms CPU/login   max timer gap ${fmt(b.maxStallMs)} ms`);
  console.log(`  ratio (xmpp.js / ScramClient)    ${fmt(b.msPerLogin / a.msPerLogin)} x wall   ${fmt(b.cpuMsPerLogin / a.cpuMsPerLogin)} x CPU`);
}
