import { describe } from "vitest";
import { authTests } from "./auth.ts";
import { httpConventionTests } from "./http-conventions.ts";
import { idempotencyTests } from "./idempotency.ts";
import { roomTests } from "./rooms.ts";
import { messageTests } from "./messages.ts";
import { eventTests } from "./events.ts";
import { mentionTests } from "./mentions.ts";
import { readStateTests } from "./read-state.ts";
import { searchTests } from "./search.ts";
import { accessTests } from "./access.ts";
import { accessModerationTests } from "./access-moderation.ts";
import { upgradeTests } from "./upgrade.ts";
import { frameTests } from "./frames.ts";
import { realtimeTests } from "./realtime.ts";
import { presenceTests } from "./presence.ts";
import { textRuleTests } from "./text-rules.ts";
import { trackSockets, type SuiteContext } from "./support.ts";
import { uploadTests, type UploadSetup } from "./uploads.ts";

/**
 * Parley's protocol conformance suite (docs/protocol.md).
 * It reaches the server only through HTTP and WebSocket at the given base URLs, so it can run against
 * one worker, several workers, the balancer or `wrangler dev`. Every name it creates is unique, so
 * it can run again against the same database.
 *
 * `urls[0]` serves the single-target tests; with two or more URLs the real-time tests run a second
 * time with their clients spread over `urls[0]` and `urls[1]` (cross-worker delivery, presence and
 * resume). The targets need generous REGISTER_RATE and MESSAGE_RATE (thousands a minute: the suite
 * registers dozens of users and posts over a thousand messages), while LOGIN_RATE (per account) and
 * FRAME_RATE (per connection) stay near their defaults, low enough for the suite to reach them.
 * Every target makes CONFORMANCE_ADMIN (access-support.ts) a server admin through ADMIN_USERNAMES.
 * Uploads need UPLOAD_MAX_BYTES=CONFORMANCE_UPLOAD_MAX_BYTES (`options.uploads` says otherwise, or why
 * they are skipped), and storage every target shares (S3, or one DATA_DIR).
 */
export function conformanceSuite(name: string, target: () => { urls: string[] }, options: { uploads?: UploadSetup } = {}) {
  describe(`${name}: conformance`, () => {
    const context: SuiteContext = { first: () => target().urls[0]!, target, sockets: trackSockets(), uploads: options.uploads };
    authTests(context);
    httpConventionTests(context);
    roomTests(context);
    messageTests(context);
    eventTests(context);
    mentionTests(context);
    readStateTests(context);
    searchTests(context);
    accessTests(context);
    accessModerationTests(context);
    uploadTests(context);
    idempotencyTests(context);
    upgradeTests(context);
    frameTests(context);
    realtimeTests(context);
    presenceTests(context);
    textRuleTests(context);
  });
}
