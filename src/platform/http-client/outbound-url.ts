import { lookup as resolve } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses an outbound call chosen by a user (a webhook) must not reach: this host, private and
 * shared networks, link-local, multicast, reserved and documentation ranges, and the IPv6 forms that
 * carry an IPv4 address inside (compatible, mapped, NAT64, 6to4, Teredo), which could name any of them.
 */
const PRIVATE_IPV4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE_IPV4.addSubnet(network, prefix, 'ipv4');
}
// Apart: a list holding `::ffff:0:0/96` matches every IPv4 address checked against it.
const PRIVATE_IPV6 = new BlockList();
for (const [network, prefix] of [
  ['::', 96],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE_IPV6.addSubnet(network, prefix, 'ipv6');
}

const isPrivate = (address: string) =>
  isIP(address) === 6 ? PRIVATE_IPV6.check(address, 'ipv6') : PRIVATE_IPV4.check(address, 'ipv4');
const bare = (host: string) => host.replace(/^\[|\]$/g, '').toLowerCase();

/**
 * Why a URL may not be called, or null when it may: only http(s), no credentials in it, and no host
 * that resolves to one of those addresses, unless the host is allowed by configuration (development
 * receivers).
 */
export async function outboundUrlProblem(
  value: string,
  allowedHosts: readonly string[],
): Promise<string | null> {
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not contain credentials';
  const host = bare(url.hostname);
  if (allowedHosts.includes(host)) return null;
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    return `its host ${host} does not resolve`;
  }
  return addresses.some(isPrivate) ? `its host ${host} is a private or loopback address` : null;
}

/**
 * A name lookup for connections to hosts a user chose: the checked URL's host is resolved again when
 * the connection opens, and may answer differently then (DNS rebinding), so the addresses connected
 * to are checked too. (A host given as an address is not looked up; outboundUrlProblem checks it.)
 */
export function publicOnlyLookup(allowedHosts: readonly string[]): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options, (error, found, family) => {
      if (error) return callback(error, '', 0);
      const addresses = Array.isArray(found) ? found.map((entry) => entry.address) : [found];
      if (!allowedHosts.includes(bare(hostname)) && addresses.some(isPrivate)) {
        const refused = Object.assign(new Error(`${hostname} resolves to a private or loopback address`), {
          code: 'ENOTPUBLIC',
        });
        return callback(refused, '', 0);
      }
      callback(null, found, family);
    });
  };
}
