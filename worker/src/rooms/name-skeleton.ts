import { remove as removeConfusables } from "confusables";
import type { Store } from "@parley/db";
import type { Logger } from "@parley/common";

/** Sequences and letters that read as another in most fonts, once the rest is Latin: `rn` → `m`, `0` → `o`, `I`/`1`/`|` → `l`. */
const LOOKALIKES: Array<[RegExp, string]> = [
  [/rn/g, "m"],
  [/[I1|]/g, "l"],
  [/0/g, "O"],
  [/vv/g, "w"],
];

/**
 * A room name's skeleton in the spirit of UTS #39: two names with the same skeleton look alike
 * ("Ρarley" with a Greek Rho, "parIey" with a capital i, "pаrley" with a Cyrillic a). Lookalikes
 * of Latin letters become those letters (the `confusables` package's table), then the ASCII
 * lookalikes above are folded, then case. Names of other scripts keep their letters, so two
 * distinct Cyrillic or Japanese names stay distinct.
 */
export function nameSkeleton(name: string): string {
  let s = removeConfusables(name.normalize("NFKC")).normalize("NFKC");
  for (const [pattern, to] of LOOKALIKES) s = s.replace(pattern, to);
  return s
    .toLowerCase()
    .replace(/[\s\-_.]+/g, " ")
    .trim();
}

/** Gives rooms made before skeletons existed theirs, a page at a time; run once at start, in the background. */
export async function fillNameSkeletons(store: Pick<Store, "fillNameSkeletons">, logger: Logger): Promise<void> {
  try {
    while ((await store.fillNameSkeletons(nameSkeleton, 500)) > 0);
  } catch (err) {
    logger.warn({ err }, "filling room name skeletons failed; the next start tries again");
  }
}
