// GitHub-style heading slugs, so a step's id is the anchor GitHub shows for its heading.

/** Lower-case, drop punctuation and symbols (keeping `-` and `_`), spaces become `-`. */
export function slugify(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Hands out unique ids: the base the first time, then `-2`, `-3` … skipping taken ones. */
export class IdAllocator {
  private readonly taken: Set<string>;
  constructor(reserved: Iterable<string> = []) {
    this.taken = new Set(reserved);
  }
  next(base: string): string {
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}-${n}`;
    this.taken.add(id);
    return id;
  }
}
