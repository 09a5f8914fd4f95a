import type { EntryAttributes, SearchFilter } from '../../memory/types.ts';
import { AttributeLists } from './attribute-lists.ts';

/**
 * The ids of a dense row store (FlatIndex, ScalarQuantizedIndex, CompressedIndex, BinaryIndex): row r holds the
 * vector of `ids[r]`. Removing a row moves the last row into its place, so the rows stay dense and a scan reads
 * `size` rows. Each id's attributes (namespace, metadata) are kept in inverted lists, so a filtered search scans
 * only the rows `rowsMatching(filter)` names.
 */
export class RowDirectory {
  /** Ids in row order. Read-only for callers: change it through rowFor() and remove(). */
  readonly ids: string[] = [];
  private readonly rows = new Map<string, number>();
  private readonly attributes = new AttributeLists();

  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** The row of `id`, or undefined. */
  rowOf(id: string): number | undefined {
    return this.rows.get(id);
  }

  /**
   * The row of `id`, appended as the next row if it is new (the caller makes room for it first). Its attributes
   * become `attributes` (none given: none, as a re-add replaces the whole entry).
   */
  rowFor(id: string, attributes?: EntryAttributes): number {
    this.attributes.set(id, attributes);
    let row = this.rows.get(id);
    if (row === undefined) {
      row = this.ids.length;
      this.ids.push(id);
      this.rows.set(id, row);
    }
    return row;
  }

  /** How many distinct ids among `ids` are not stored yet: the rows adding them all will take. */
  countNew(ids: Iterable<string>): number {
    const fresh = new Set<string>();
    for (const id of ids) if (!this.rows.has(id)) fresh.add(id);
    return fresh.size;
  }

  /**
   * Removes `id`; returns whether it was there. When its row was not the last, `moveLast(from, to)` is called
   * first to move the last row's data into the freed row.
   */
  remove(id: string, moveLast: (from: number, to: number) => void): boolean {
    const row = this.rows.get(id);
    if (row === undefined) return false;
    const last = this.ids.length - 1;
    if (row !== last) {
      moveLast(last, row);
      const moved = this.ids[last];
      this.ids[row] = moved;
      this.rows.set(moved, row);
    }
    this.ids.pop();
    this.rows.delete(id);
    this.attributes.delete(id);
    return true;
  }

  /** The attributes stored with `id` (shared; do not modify). */
  attributesOf(id: string): EntryAttributes | undefined {
    return this.attributes.get(id);
  }

  /**
   * The rows whose attributes match `filter`, ascending (so runs of adjacent rows scan together), or undefined
   * when the filter restricts nothing (every row matches). Costs the length of the filter's shortest inverted
   * list, not the number of rows.
   */
  rowsMatching(filter: SearchFilter | undefined): Int32Array | undefined {
    const ids = this.attributes.matching(filter);
    if (ids === undefined) return undefined;
    const rows = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) rows[i] = this.rows.get(ids[i])!;
    return rows.sort();
  }
}
