// Who is calling, as far as limits per client are concerned: the peer's
// address, or what a trusted reverse proxy says in X-Forwarded-For. Never
// trust the header from anyone else: a caller could name any address and
// escape its own limit (or spend someone else's).
import { BlockList, isIP } from 'node:net';

export type ClientAddressOf = (peer: string | undefined, forwardedFor: string | undefined) => string;

/** `trustedProxies`: addresses or subnets (10.0.0.0/8) whose X-Forwarded-For is believed. */
export function clientAddressResolver(trustedProxies: readonly string[]): ClientAddressOf {
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) trusted.addAddress(address, type);
    else trusted.addSubnet(address, Number(bits), type);
  }
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (peer, forwardedFor) => {
    const direct = plain(peer ?? 'unknown');
    if (trustedProxies.length === 0 || forwardedFor === undefined || !isTrusted(direct)) return direct;
    // Right to left: the first hop that is not one of our proxies is the client.
    const hops = forwardedFor.split(',').map((hop) => plain(hop.trim())).filter((hop) => hop !== '');
    let client = direct;
    for (let i = hops.length - 1; i >= 0; i -= 1) {
      const hop = hops[i] as string;
      if (isIP(hop) === 0) break;
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client;
  };
}

/** ::ffff:127.0.0.1 is 127.0.0.1. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
