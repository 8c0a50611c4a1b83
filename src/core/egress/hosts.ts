/** Where a host sits: `local` traffic stays on this machine or on a server the user trusts. */
export type HostClass = 'local' | 'cloud';

/**
 * True for loopback names and addresses: `localhost`, 127.0.0.0/8, ::1 (also IPv4-mapped).
 * Expects a host name as WHATWG `URL.hostname` gives it (IPv4 normalised, IPv6 in brackets).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost') {
    return true;
  }
  const ipv6 = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (ipv6 === '::1' || ipv6 === '0:0:0:0:0:0:0:1') {
    return true;
  }
  const mapped = /^::ffff:(.+)$/.exec(ipv6);
  if (mapped !== null) {
    return isIpv4Loopback(mapped[1]) || isMappedHexLoopback(mapped[1]);
  }
  return isIpv4Loopback(host);
}

/** Loopback is local; so is a host the user listed in `tandem.trustedHosts`; anything else is cloud. */
export function classifyHost(hostname: string, trustedHosts: readonly string[]): HostClass {
  return isLoopbackHost(hostname) || hostMatches(hostname, trustedHosts) ? 'local' : 'cloud';
}

/** Classifies an endpoint URL; an unparsable URL counts as cloud (it must then pass the gate, which rejects it). */
export function classifyEndpoint(url: string, trustedHosts: readonly string[]): HostClass {
  const hostname = hostnameOf(url);
  return hostname === undefined ? 'cloud' : classifyHost(hostname, trustedHosts);
}

/**
 * Whether a host name is in a list of host patterns: exact names (case-insensitive), or `*.domain`
 * for any subdomain of `domain` (not `domain` itself).
 */
export function hostMatches(hostname: string, patterns: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return patterns.some((raw) => {
    const pattern = raw.trim().toLowerCase().replace(/\.$/, '');
    return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
  });
}

/** The host name of a URL, or undefined when it does not parse. */
export function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

function isIpv4Loopback(host: string): boolean {
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255) && octets[1] === '127';
}

/** `URL` writes `[::ffff:127.0.0.1]` as `[::ffff:7f00:1]`. */
function isMappedHexLoopback(tail: string): boolean {
  const groups = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(tail);
  return groups !== null && parseInt(groups[1], 16) >> 8 === 127;
}
