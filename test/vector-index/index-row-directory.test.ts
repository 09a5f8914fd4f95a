import { describe, expect, it } from 'vitest';
import { RowDirectory } from '../../src/parts/vector-index/row-directory.ts';

describe('RowDirectory', () => {
  it('appends new ids as rows, keeps the row of a known id, and counts distinct new ids', () => {
    const dir = new RowDirectory();
    expect([dir.rowFor('a'), dir.rowFor('b'), dir.rowFor('a')]).toEqual([0, 1, 0]);
    expect(dir.countNew(['a', 'c', 'c', 'd'])).toBe(2);
    expect(dir.size).toBe(2);
  });

  it('moves the last row into a removed row, telling the caller which data to move', () => {
    const dir = new RowDirectory();
    for (const id of ['a', 'b', 'c', 'd']) dir.rowFor(id);
    const moves: Array<[number, number]> = [];
    expect(dir.remove('b', (from, to) => moves.push([from, to]))).toBe(true);
    expect(moves).toEqual([[3, 1]]);
    expect(dir.ids).toEqual(['a', 'd', 'c']);
    expect(dir.rowOf('d')).toBe(1);
    expect(dir.remove('c', (from, to) => moves.push([from, to]))).toBe(true); // the last row: nothing moves
    expect(moves).toHaveLength(1);
    expect(dir.remove('zz', () => moves.push([-1, -1]))).toBe(false);
    expect(dir.has('b')).toBe(false);
    expect(dir.rowFor('e')).toBe(2);
  });
});
