/**
 * A reproducible, real-ish chat history for measuring autocomplete: a small software team in three
 * rooms over a few weeks. Each user has habits (greetings, acknowledgements, pet phrases), threads
 * mix questions and answers, and slots (services, times, people, numbers) vary, so much of the text
 * is predictable only from the room's and the author's past.
 */
export interface CorpusMessage {
  roomId: string;
  userId: string;
  body: string;
}

const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"] as const;
const ROOMS = ["general", "dev", "random"] as const;

const SLOTS: Record<string, string[]> = {
  service: ["the api gateway", "billing", "the search indexer", "auth", "the mobile app", "the web client", "payments", "notifications"],
  time: ["10", "11:30", "2pm", "3", "4:15", "after lunch", "tomorrow morning", "end of day"],
  person: [...USERS],
  day: ["monday", "tuesday", "wednesday", "thursday", "friday"],
  pr: ["#412", "#418", "#420", "#433", "#437", "#451"],
  food: ["tacos", "ramen", "pizza", "the thai place", "salads", "burgers"],
  env: ["staging", "production", "the preview env", "qa"],
  bug: ["the login timeout", "a memory leak", "the flaky test", "a race in the cache", "the broken migration", "slow queries"],
  thing: ["the release notes", "the design doc", "the oncall rota", "the retro board", "the roadmap", "the dashboards"],
};

const TEMPLATES: Record<(typeof ROOMS)[number], string[]> = {
  general: [
    "good morning everyone",
    "reminder: standup at {time} today",
    "who is around on {day}?",
    "i'll be out on {day}, {person} is covering for me",
    "can someone review {thing} before {day}?",
    "thanks {person}, that was really helpful",
    "the all hands moved to {time}",
    "please update {thing} when you get a chance",
    "welcome to the team {person}!",
    "heads up, {service} will be down for maintenance at {time}",
    "is anyone else having trouble with the vpn?",
    "happy friday everyone",
    "i shared {thing} in the drive",
    "let me know if you have questions",
  ],
  dev: [
    "deploying {service} to {env} now",
    "{service} is deployed to {env}",
    "can someone review {pr}? it fixes {bug}",
    "looking into {bug} in {service}",
    "i think {bug} is caused by {service}",
    "the build is green again",
    "the build is red, looking into it",
    "rolling back {service} on {env}",
    "lgtm, ship it",
    "left a few comments on {pr}",
    "merged {pr}, thanks for the review",
    "{env} is broken, please don't deploy",
    "does anyone know why {service} is so slow on {env}?",
    "i'll pair with {person} on {bug} after lunch",
    "opened {pr} for {bug}",
    "the tests pass locally but fail on ci",
    "can we bump the timeout for {service}?",
    "who owns {service} these days?",
  ],
  random: [
    "anyone want to get {food} for lunch?",
    "i'm in for {food}",
    "lunch at {time}?",
    "that {food} was amazing",
    "has anyone seen the new season yet?",
    "coffee run in 10 minutes, who wants something?",
    "i brought cookies, they are in the kitchen",
    "it's so hot in the office today",
    "who is coming to the board game night on {day}?",
    "count me in",
    "i can't make it this time, sorry",
  ],
};

/** Things each person says in their own way. */
const HABITS: Record<(typeof USERS)[number], string[]> = {
  alice: ["sounds good to me", "sounds good, thanks!", "i'll take a look after lunch", "on it"],
  bob: ["lgtm", "lgtm, ship it", "ok will do", "let me check and get back to you"],
  carol: ["thanks for the heads up", "great work everyone", "can we sync on this tomorrow?", "let's discuss in the retro"],
  dave: ["yep", "yep, on it", "not sure, let me check the logs", "that's weird, it works on my machine"],
  erin: ["thank you so much!", "awesome, thank you!", "i'll have it done by end of day", "sorry for the delay"],
  frank: ["+1", "+1, agreed", "nice catch", "interesting, i didn't know that"],
  grace: ["ok", "ok, makes sense", "i'll write it up in the design doc", "let's keep it simple"],
  heidi: ["hi all", "quick question:", "any updates on this?", "thanks, that helps a lot"],
};

/** A deterministic generator (mulberry32). */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` messages in the order they were sent. */
export function chatCorpus(count: number, seed = 7): CorpusMessage[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const fill = (template: string) => template.replace(/\{(\w+)\}/g, (_, slot: string) => pick(SLOTS[slot]!));
  const out: CorpusMessage[] = [];
  while (out.length < count) {
    const roomId = pick(ROOMS);
    const userId = pick(USERS);
    const roll = next();
    let body = roll < 0.3 ? pick(HABITS[userId]) : fill(pick(TEMPLATES[roomId]));
    // People rarely type a template exactly: add a habit, a filler or an address now and then.
    if (roll >= 0.3 && next() < 0.2) body = `${pick(HABITS[userId])} ${body}`;
    if (next() < 0.1) body = `${pick(["btw", "fwiw", "hmm", "ok so", "honestly"])} ${body}`;
    if (next() < 0.1) body = `@${pick(USERS)} ${body}`;
    if (next() < 0.15) body = body.charAt(0).toUpperCase() + body.slice(1);
    out.push({ roomId, userId, body });
  }
  return out;
}
