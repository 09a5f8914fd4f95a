import type { VectorIndex } from '../../src/memory/types.ts';

/**
 * A VectorIndex that forwards every member to `inner` (bound to it), except the ones `overrides` replaces: for
 * tests that need an index broken in one way (a filter that leaks, a delete that does nothing).
 */
export function delegatingIndex(inner: VectorIndex, overrides: Partial<VectorIndex>): VectorIndex {
  const bind = <K extends keyof VectorIndex>(name: K) => {
    const member = inner[name];
    return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(inner) : undefined;
  };
  const index = {
    get dimensions() {
      return inner.dimensions;
    },
    get size() {
      return inner.size;
    },
    filtering: inner.filtering,
    scoreTolerance: inner.scoreTolerance,
    add: bind('add'),
    addMany: bind('addMany'),
    remove: bind('remove'),
    search: bind('search'),
    memoryBytes: bind('memoryBytes'),
    fit: bind('fit'),
    build: bind('build'),
    get: bind('get'),
    describe: bind('describe'),
    close: bind('close'),
    ...overrides,
  };
  return index as VectorIndex;
}
