import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
// @ts-expect-error s3rver ships no types
import S3rver from "s3rver";

/** A local S3-wire server (s3rver) with one bucket, on a free loopback port, storing in a temp dir. */
export interface S3Server {
  endpoint: string;
  bucket: string;
  /** The S3_* variables that point a worker at it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts s3rver; `stop()` closes it and removes its directory. */
export async function startS3Server(bucket = "parley-test"): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), "parley-s3-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] }) as {
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  };
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: { S3_BUCKET: bucket, S3_ENDPOINT: endpoint, S3_ACCESS_KEY_ID: "S3RVER", S3_SECRET_ACCESS_KEY: "S3RVER" },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
