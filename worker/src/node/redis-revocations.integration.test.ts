import { describe } from "vitest";
import { REDIS_KINDS, useRedisBackend } from "../../../test/support/redis-backends.ts";
import { testRedisPrefix } from "../../../test/support/services.ts";
import { revocationsContract } from "../ports/revocations.contract.ts";
import { RedisRevocations } from "./redis-revocations.ts";

for (const kind of REDIS_KINDS) {
  describe(`RedisRevocations on ${kind} Redis`, () => {
    const redis = useRedisBackend(kind);
    // Two connections on one prefix: two workers sharing the revocations.
    revocationsContract(`RedisRevocations (${kind})`, async () => {
      const prefix = testRedisPrefix();
      const connections = [redis().connect("revocations-w1"), redis().connect("revocations-w2")];
      const [one, two] = connections.map((connection) => new RedisRevocations(connection, prefix)) as [RedisRevocations, RedisRevocations];
      return {
        stores: [one, two],
        async cleanup() {
          for (const connection of connections) connection.disconnect();
          await redis().deleteKeys(prefix);
        },
      };
    });
  });
}
