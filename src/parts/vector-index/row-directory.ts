/**
 * The ids of a dense row store (FlatIndex, ScalarQuantizedIndex, CompressedIndex): row r holds the vector of
 * `ids[r]`. Removing a row moves the last row into its place, so the rows stay dense and a scan reads `size` rows.
 */
export class RowDirectory {
  /** Ids in row order. Read-only for callers: change it through rowFor() and remove(). */
  readonly ids: string[] = [];
  private readonly rows = new Map<string, number>();

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

  /** The row of `id`, appended as the next row if it is new (the caller makes room for it first). */
  rowFor(id: string): number {
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
    return true;
  }
}
