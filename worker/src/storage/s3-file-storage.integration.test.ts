import { startS3Server } from "../../../test/support/s3-server.ts";
import { fileStorageContract } from "../ports/file-storage.contract.ts";
import { S3FileStorage } from "./s3-file-storage.ts";

fileStorageContract("S3FileStorage on s3rver", async () => {
  const s3 = await startS3Server();
  const storage = new S3FileStorage({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: "us-east-1",
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    forcePathStyle: true,
    prefix: "uploads/",
  });
  return { storage, cleanup: () => s3.stop() };
});
