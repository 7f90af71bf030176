/**
 * reclass's ordered sets for `classes` and `applications`. An application `~foo` removes `foo`
 * from what the same entity's subtree brought in (reclass datatypes/applications.py: the
 * removal is not carried further up, a quirk kept for compatibility).
 */
export class OrderedNames {
  readonly items: string[] = [];
  private readonly set = new Set<string>();
  add(name: string): void {
    if (!this.set.has(name)) {
      this.set.add(name);
      this.items.push(name);
    }
  }
  addAll(names: Iterable<string>): void {
    for (const n of names) this.add(n);
  }
  remove(name: string): void {
    if (this.set.delete(name)) this.items.splice(this.items.indexOf(name), 1);
  }
}

export class Applications extends OrderedNames {
  readonly negations: string[] = [];

  static fromList(list: string[], prefix = '~'): Applications {
    const a = new Applications();
    for (const item of list) {
      if (item.startsWith(prefix)) {
        const name = item.slice(prefix.length);
        a.negations.push(name);
        a.remove(name);
      } else a.add(item);
    }
    return a;
  }

  /** reclass Applications.merge_unique with another Applications. */
  mergeApps(other: Applications): void {
    for (const n of other.negations) this.remove(n);
    this.addAll(other.items);
  }
}
