/** What a Node HTTP server offers for requests it cannot parse (typed here so the core imports no runtime). */
interface ParsingServer {
  on(event: "clientError", listener: (error: Error, socket: { writable: boolean; end(data: string): void; destroy(): void }) => void): unknown;
}

const MALFORMED = JSON.stringify({ error: { code: "invalid_request", message: "malformed HTTP request" } });

/**
 * Node answers a request it cannot parse (headers over 16 KiB, a broken request line) with a bare
 * 400 or 431; Parley's errors are JSON, from the workers and the balancer alike.
 */
export function answerMalformedRequests(server: ParsingServer): void {
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${MALFORMED.length}\r\nConnection: close\r\n\r\n${MALFORMED}`);
    else socket.destroy();
  });
}
