/** Participants of one DM, the caller included (docs/protocol.md, "Private rooms, DMs and roles"). */
export const DM_MEMBERS = { min: 2, max: 8 } as const;
/** `GET /api/users`: how many users a page holds by default and at most. */
export const USER_SEARCH = { default: 20, max: 50 } as const;
