/**
 * The client's address: the socket peer, or — only when that peer is a trusted proxy — the
 * right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, trustedProxies: readonly string[]): string {
  const normalize = (a: string) => a.trim().replace(/^::ffff:/, "");
  const trusted = new Set(trustedProxies.map(normalize));
  let address = normalize(peer);
  if (!forwardedFor || !trusted.has(address)) return address;
  const hops = forwardedFor.split(",").map(normalize).filter(Boolean);
  while (hops.length > 0 && trusted.has(address)) address = hops.pop()!;
  return address;
}
