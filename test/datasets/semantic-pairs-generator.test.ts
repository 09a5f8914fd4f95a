import { describe, expect, it } from 'vitest';
import { ADVERSARIAL_KINDS, generateSemanticWorkload, semanticWorkloadTexts } from '../../src/datasets/semantic-pairs.ts';
import { ShippedVectors } from '../../src/endpoint/models/shipped-vectors.ts';
import { SEMANTIC_VECTORS_DIR } from '../../src/drivers/semantic-cache.ts';

describe('semantic-cache workload generator', () => {
  it('is a function of its seed', () => {
    const a = generateSemanticWorkload({ seed: 3, users: 3, pairsPerKind: 50 });
    const b = generateSemanticWorkload({ seed: 3, users: 3, pairsPerKind: 50 });
    expect(a).toEqual(b);
    expect(generateSemanticWorkload({ seed: 4, users: 3, pairsPerKind: 50 })).not.toEqual(a);
  });

  it('labels pairs as the templates make them', () => {
    const { pairs, namespaces } = generateSemanticWorkload({ seed: 42, users: 4, pairsPerKind: 200 });
    const families = new Map(namespaces.flatMap((ns) => ns.families.map((f) => [f.id, f] as const)));
    for (const p of pairs) {
      if (p.kind !== 'user') expect(p.asked.text).not.toBe(p.cached.text);
      if (p.kind === 'paraphrase') expect(p.cached.family).toBe(p.asked.family);
      else expect(p.cached.family).not.toBe(p.asked.family);
      if (p.kind === 'user') {
        expect(p.asked.namespace).not.toBe(p.cached.namespace);
        expect(p.asked.text).toBe(p.cached.text);
      } else expect(p.asked.namespace).toBe(p.cached.namespace);
      if (p.kind === 'negation') expect(/\bnot\b/.test(p.cached.text)).not.toBe(/\bnot\b/.test(p.asked.text));
      if (p.kind === 'number') expect(p.cached.text.match(/\d+/)![0]).not.toBe(p.asked.text.match(/\d+/)![0]);
      if (p.kind === 'relation') expect(families.get(p.cached.family)!.relation).not.toBe(families.get(p.asked.family)!.relation);
      if (p.kind === 'person' || p.kind === 'place') expect(families.get(p.cached.family)!.relation).toBe(families.get(p.asked.family)!.relation);
    }
    const kinds = new Set(pairs.map((p) => p.kind));
    for (const kind of ['paraphrase', ...ADVERSARIAL_KINDS]) expect(kinds.has(kind as never)).toBe(true);
  });

  it('fewer users at the same seed are a prefix, and the shipped USE-lite vectors cover exactly seed 42 with 16 users', async () => {
    const full = semanticWorkloadTexts(generateSemanticWorkload({ seed: 42, users: 16, pairsPerKind: 0 }));
    const quick = semanticWorkloadTexts(generateSemanticWorkload({ seed: 42, users: 4, pairsPerKind: 0 }));
    const fullSet = new Set(full);
    expect(quick.every((t) => fullSet.has(t))).toBe(true);
    const shipped = await ShippedVectors.load('use-lite', SEMANTIC_VECTORS_DIR);
    expect(shipped.texts()).toEqual(full);
  });
});
