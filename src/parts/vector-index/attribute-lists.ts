import { matchesSearchFilter } from '../../memory/reference.mjs';
import type { EntryAttributes, FilterValue, SearchFilter } from '../../memory/types.ts';

/**
 * Which stored ids a search filter admits, without visiting the others: inverted lists from each
 * namespace, and from each metadata field=value pair, to the ids that carry it. A filter is answered from its
 * shortest list, and each id of that list is checked against the whole filter (matchesSearchFilter, the reference),
 * so the cost is the length of the shortest list, not the number of entries.
 *
 * Entries added without attributes cost one Map lookup here and are in no list; a search without a filter never
 * reads the lists. Every in-process index keeps one (RowDirectory holds one for the dense row stores).
 */
export class AttributeLists {
  private readonly attributesOf = new Map<string, EntryAttributes>();
  private readonly lists = new Map<string, Set<string>>();

  /** Ids that carry attributes. */
  get size(): number {
    return this.attributesOf.size;
  }

  /** The attributes stored for `id` (shared; do not modify), or undefined. */
  get(id: string): EntryAttributes | undefined {
    return this.attributesOf.get(id);
  }

  /** Sets the attributes of `id`, replacing any it had (none given: it then carries none, as a re-add replaces). */
  set(id: string, attributes: EntryAttributes | undefined): void {
    this.delete(id);
    if (!attributes || (attributes.namespace === undefined && !hasFields(attributes.metadata))) return;
    const kept: EntryAttributes = {};
    if (attributes.namespace !== undefined) kept.namespace = attributes.namespace;
    if (hasFields(attributes.metadata)) kept.metadata = { ...attributes.metadata };
    this.attributesOf.set(id, kept);
    for (const key of keysOf(kept)) {
      let list = this.lists.get(key);
      if (!list) this.lists.set(key, (list = new Set()));
      list.add(id);
    }
  }

  /** Forgets `id`'s attributes (nothing happens if it had none). */
  delete(id: string): void {
    const old = this.attributesOf.get(id);
    if (!old) return;
    this.attributesOf.delete(id);
    for (const key of keysOf(old)) {
      const list = this.lists.get(key)!;
      list.delete(id);
      if (list.size === 0) this.lists.delete(key);
    }
  }

  /**
   * The ids matching `filter` (in no particular order), or undefined when the filter restricts nothing (absent,
   * or neither a namespace nor a metadata field): then every stored entry matches, including those without
   * attributes.
   */
  matching(filter: SearchFilter | undefined): string[] | undefined {
    if (!restricts(filter)) return undefined;
    let shortest: Set<string> | undefined;
    for (const key of keysOf(filter!)) {
      const list = this.lists.get(key);
      if (!list) return []; // no entry carries this value
      if (!shortest || list.size < shortest.size) shortest = list;
    }
    const ids: string[] = [];
    for (const id of shortest!) if (matchesSearchFilter(this.attributesOf.get(id), filter!)) ids.push(id);
    return ids;
  }
}

/** Whether a filter restricts anything: a namespace, or at least one metadata field. */
export function restricts(filter: SearchFilter | undefined): boolean {
  return filter !== undefined && (filter.namespace !== undefined || hasFields(filter.metadata));
}

function hasFields(metadata: Record<string, FilterValue> | undefined): metadata is Record<string, FilterValue> {
  if (!metadata) return false;
  for (const _ in metadata) return true;
  return false;
}

/**
 * The list keys of an entry's attributes (or of a filter). The value's type is part of the key, as matching is by
 * ===: 1 and '1' are different lists. A value that is not a FilterValue gets a key no filter value can produce
 * alone, and the final matchesSearchFilter check decides anyway.
 */
function keysOf(attributes: EntryAttributes | SearchFilter): string[] {
  const keys: string[] = [];
  if (attributes.namespace !== undefined) keys.push(`n\u0000${attributes.namespace}`);
  if (attributes.metadata) {
    for (const [name, value] of Object.entries(attributes.metadata)) keys.push(`m\u0000${name}\u0000${typeof value}\u0000${String(value)}`);
  }
  return keys;
}
