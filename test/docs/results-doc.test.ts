import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderResultsDoc, renderSummary, scenarioVectors, VECTOR_KINDS, vectorsOf } from '../../scripts/results-doc.ts';

const root = join(import.meta.dirname, '..', '..');

describe('docs/results.md', () => {
  it('is exactly what scripts/results-doc.ts generates from the reference reports (figures cannot drift)', { timeout: 60_000 }, async () => {
    const doc = readFileSync(join(root, 'docs', 'results.md'), 'utf8');
    expect(renderResultsDoc(doc, root, 'docs/results.md', await scenarioVectors(root))).toBe(doc);
  });

  it('says on which vectors each scenario was measured: mock, USE-lite (shipped or served) or a file', { timeout: 60_000 }, async () => {
    expect(vectorsOf({ workload: { size: 10 } })).toBe(VECTOR_KINDS.mock);
    expect(vectorsOf({ workload: { vectors: 'use-lite' } })).toBe(VECTOR_KINDS.useLite);
    expect(vectorsOf({ workload: {}, mock: { model: 'use-lite' } })).toBe(VECTOR_KINDS.useLite);
    expect(vectorsOf({ workload: { vectors: { base: 'x.npy', holdOut: 5 } } })).toBe(VECTOR_KINDS.file);
    const vectors = await scenarioVectors(root);
    expect(vectors.get('index-compression')).toBe(VECTOR_KINDS.mock);
    expect(vectors.get('index-compression-real')).toBe(VECTOR_KINDS.useLite);
    expect(vectors.get('search-cache-real')).toBe(VECTOR_KINDS.useLite);
    const doc = readFileSync(join(root, 'docs', 'results.md'), 'utf8');
    expect(doc).toContain(`| index-compression-real | ${VECTOR_KINDS.useLite} |`);
  });

  it('lists every gated metric of a summary with its measured values and verdict, and marks a miss', () => {
    const table = renderSummary([
      { scenario: '_run', metric: 'quick', unit: '', baseline: 'true', optimized: '', change_pct: '', target: '', passed: '' },
      { scenario: 's', metric: 'api_requests', unit: 'requests', baseline: '1000', optimized: '10', change_pct: '-99', target: '<= -50%', passed: 'true' },
      { scenario: 's', metric: 'untargeted', unit: 'x', baseline: '1', optimized: '2', change_pct: '100', target: '', passed: '' },
      { scenario: 's', metric: 'recall_at_10', unit: 'fraction', baseline: '1', optimized: '0.9', change_pct: '-10', target: '>= 0.95', passed: 'false' },
    ], new Map([['s', 'mock']]));
    expect(table).toContain('| s | mock | api_requests | 1,000 | 10 | -99.0% | <= -50% | met |');
    expect(table).toContain('|  |  | recall_at_10 | 1 | 0.900 | -10.0% | >= 0.95 | **missed** |');
    expect(table).not.toContain('untargeted');
    expect(table).toContain('quick (--quick)');
  });

  it('names the line of a generated block that is never closed', () => {
    expect(() => renderResultsDoc('intro\n<!-- generated: summary reports/reference/quick-summary.csv -->\n', root, 'doc.md')).toThrow(/^doc\.md:2: .*no closing/);
  });
});
