/**
 * What a pass over the YAML tree takes out before the yaml package builds the data (a key it
 * would stringify, a merge source it would throw on), so that the rest is built and checked:
 * each such node is a problem at its place, and the tree is put back as it was afterwards
 * (its nodes locate every other issue).
 */

/** A node left out: where it starts in the text, and why. */
export interface LeftOut {
  offset: number;
  message: string;
}

/** Items taken out of collections, and a way to put them all back. */
export class Removals {
  private readonly undo: (() => void)[] = [];

  /** Takes the items `bad` says out of `collection` (a mapping's pairs, a list's items). */
  remove<T>(collection: { items: T[] }, bad: (item: T) => boolean): void {
    const before = collection.items;
    collection.items = before.filter((item) => !bad(item));
    this.undo.push(() => (collection.items = before));
  }

  /** Puts back what was taken out, latest first. */
  restore(): void {
    for (const step of this.undo.splice(0).reverse()) step();
  }
}
