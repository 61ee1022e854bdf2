// What kind of network address a host is (pure, Node's BlockList): loopback, private, link-local, a cloud metadata
// service, unspecified or public, so that sign-in requests can refuse the addresses a hostile server points at.
import { BlockList, isIP } from 'node:net';

export type AddressKind = 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'public';

function list(entries: Array<[string, number, 'ipv4' | 'ipv6']>): BlockList {
  const blocks = new BlockList();
  for (const [network, prefix, family] of entries) blocks.addSubnet(network, prefix, family);
  return blocks;
}

/** Instance metadata services: AWS, GCP and Azure (169.254.169.254, and AWS's IPv6 one), Alibaba, Oracle's. */
const METADATA = list([
  ['169.254.169.254', 32, 'ipv4'],
  ['169.254.170.2', 32, 'ipv4'], // ECS task metadata
  ['100.100.100.200', 32, 'ipv4'],
  ['192.0.0.192', 32, 'ipv4'],
  ['fd00:ec2::254', 128, 'ipv6'],
]);
const LINK_LOCAL = list([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
]);
const LOOPBACK = list([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
/** RFC 1918, carrier-grade NAT (RFC 6598) and IPv6 unique local addresses (RFC 4193). */
const PRIVATE = list([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
const UNSPECIFIED = list([
  ['0.0.0.0', 8, 'ipv4'],
  ['::', 128, 'ipv6'],
]);

/** The kind of an IP address (an IPv4-mapped IPv6 address counts as its IPv4 one); undefined for a host name. */
export function addressKind(address: string): AddressKind | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  const ip = mapped ?? bare;
  const family = isIP(ip);
  if (family === 0) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (METADATA.check(ip, type)) return 'metadata';
  if (LINK_LOCAL.check(ip, type)) return 'link-local';
  if (LOOPBACK.check(ip, type)) return 'loopback';
  if (UNSPECIFIED.check(ip, type)) return 'unspecified';
  if (PRIVATE.check(ip, type)) return 'private';
  return 'public';
}

/** Host names that always mean a metadata service, whatever they resolve to. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata.azure.internal', 'instance-data', 'instance-data.ec2.internal']);

export function isMetadataName(host: string): boolean {
  return METADATA_NAMES.has(host.toLowerCase().replace(/\.$/, ''));
}

/**
 * Whether a sign-in request may go to an address of `target` kind, for an MCP server at an address of `server` kind:
 * never to link-local, metadata or unspecified addresses; to loopback or private ones only when the MCP server is on
 * one too (a company server on the intranet), or when the user allowed it.
 */
export function addressAllowed(target: AddressKind, server: AddressKind, allowPrivate: boolean): boolean {
  if (target === 'link-local' || target === 'metadata' || target === 'unspecified') return false;
  if (target === 'public') return true;
  return allowPrivate || server !== 'public';
}
