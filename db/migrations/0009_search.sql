-- Hand-written (drizzle cannot express partitioning). Full-text search over message bodies: one
-- GIN index on the parent, so every partition gets its own (and any partition made later too).
-- The 'simple' configuration lower-cases and splits words without stemming or stop words: a team
-- writes in any language, and a word is found as written rather than by an English stem.
-- Bodies are plain text, but the parser would skip anything that looks like an HTML tag or entity
-- ("<div>", "&amp;"): translate() turns <, > and & into spaces first, so pasted markup is searched
-- as words. Queries must use this same expression (db/src/search-store.ts) to reach the index.
-- A deleted message's body is '' (no words), an edit rewrites the row: the index holds the current text.
CREATE INDEX "messages_body_fts_idx" ON "messages" USING gin (to_tsvector('simple', translate("body", '<>&', '   ')));
