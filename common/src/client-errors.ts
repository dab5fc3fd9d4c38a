/** What a Node HTTP server offers for requests it cannot parse (typed here so the core imports no runtime). */
interface ParsingServer {
  on(
    event: "clientError",
    listener: (error: Error & { code?: string }, socket: { writable: boolean; end(data: string): void; destroy(): void }) => void,
  ): unknown;
}

const answer = (status: string, code: string, message: string) => {
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
};
const MALFORMED = answer("400 Bad Request", "invalid_request", "malformed HTTP request");
const TOO_SLOW = answer("408 Request Timeout", "request_timeout", "the request did not arrive in time");

/**
 * Node answers a request it cannot parse (headers over 16 KiB, a broken request line) with a bare
 * 400 or 431, and one that does not arrive within `headersTimeout` or `requestTimeout` with a bare
 * 408; Parley's errors are JSON, from the workers and the balancer alike.
 */
export function answerMalformedRequests(server: ParsingServer): void {
  server.on("clientError", (error, socket) => {
    if (socket.writable) socket.end(error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? TOO_SLOW : MALFORMED);
    else socket.destroy();
  });
}
