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

/**
 * True when the request reached us over HTTPS: its own URL says so, or the socket peer is a
 * trusted proxy whose `X-Forwarded-Proto` names https for the client's hop (its first entry).
 */
export function isHttps(url: string, peer: string, forwardedProto: string | undefined, trustedProxies: readonly string[]): boolean {
  if (url.startsWith("https:")) return true;
  const normalize = (a: string) => a.trim().replace(/^::ffff:/, "");
  if (!forwardedProto || !trustedProxies.map(normalize).includes(normalize(peer))) return false;
  return forwardedProto.split(",")[0]!.trim().toLowerCase() === "https";
}
