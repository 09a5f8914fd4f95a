import { describe, expect, it } from 'vitest';
import CL100K_RANKS from 'gpt-tokenizer/bpeRanks/cl100k_base';
import { countTokens as gptCountTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import {
  countTokensExactly,
  countTokensWithin,
  MAX_LETTER_TOKEN_BYTES,
  MAX_TOKEN_BYTES,
  tokenLowerBound,
  type TokenCountWork,
} from '../../src/util/bounded-tokens.ts';
import { createRng } from '../../src/util/rng.ts';

const AS_TEXT = { disallowedSpecial: new Set<string>() };
const PIECES = ['a', 'b', ' ', 'the', ' quick', 'é', '日本語', '😀', '\n', '\t', '   ', '123456', '<|endoftext|>', "'s", '!!', '=', 'ing', 'Ω', '\r\n', 'Ünï', 'ab', '—', '//', '-'];

describe('bounded cl100k token count', () => {
  it("gives gpt-tokenizer's exact count on 1,300 seeded mixed texts and on long runs", () => {
    const rng = createRng(7);
    const mismatches: string[] = [];
    for (let k = 0; k < 1000; k++) {
      let text = '';
      const length = 1 + Math.floor(rng.next() * 80);
      for (let i = 0; i < length; i++) text += PIECES[Math.floor(rng.next() * PIECES.length)];
      if (countTokensExactly(text) !== gptCountTokens(text, AS_TEXT)) mismatches.push(text);
    }
    // Random code points: ASCII, Latin-1, Cyrillic, CJK, emoji, combining marks.
    const ranges = [[0x20, 0x7e], [0xa0, 0xff], [0x400, 0x4ff], [0x4e00, 0x4fff], [0x1f600, 0x1f64f], [0x300, 0x36f]];
    for (let k = 0; k < 300; k++) {
      let text = '';
      const length = 1 + Math.floor(rng.next() * 40);
      for (let i = 0; i < length; i++) {
        const [lo, hi] = ranges[Math.floor(rng.next() * ranges.length)];
        text += String.fromCodePoint(lo + Math.floor(rng.next() * (hi - lo + 1)));
      }
      if (countTokensExactly(text) !== gptCountTokens(text, AS_TEXT)) mismatches.push(text);
    }
    expect(mismatches).toEqual([]);
    for (const text of ['a'.repeat(5000), ' '.repeat(3000) + 'x', '-'.repeat(4000), 'ab'.repeat(2000), '日本'.repeat(1500)]) {
      expect(countTokensExactly(text)).toBe(gptCountTokens(text, AS_TEXT));
    }
  });

  it('the byte bounds are the rank table: no token over 128 bytes, none in a run of letters over 42', () => {
    const encoder = new TextEncoder();
    let longest = 0;
    let longestLetters = 0;
    CL100K_RANKS.forEach((token) => {
      const bytes = typeof token === 'string' ? encoder.encode(token).length : token.length;
      longest = Math.max(longest, bytes);
      // Any token that can sit inside a letter piece: letters with an optional leading non-letter, or a byte fragment.
      if (typeof token !== 'string' || /^[^\r\n\p{L}\p{N}]?\p{L}+$/u.test(token)) longestLetters = Math.max(longestLetters, bytes);
    });
    expect(longest).toBe(MAX_TOKEN_BYTES);
    expect(longestLetters).toBe(MAX_LETTER_TOKEN_BYTES);
  });

  it('refuses a text over limit x 128 bytes without merging a byte', () => {
    const work: TokenCountWork = { bytesMerged: 0 };
    expect(countTokensWithin(' '.repeat(8192 * 128 + 1), 8192, work)).toBe(false);
    expect(work.bytesMerged).toBe(0);
  });

  it('refuses a run of letters by its size alone (at least 1 token per 42 bytes), without merging', () => {
    const text = 'a'.repeat(8192 * 42 + 1);
    expect(tokenLowerBound(text)).toBe(8193);
    const work: TokenCountWork = { bytesMerged: 0 };
    expect(countTokensWithin(text, 8192, work)).toBe(false);
    expect(work.bytesMerged).toBe(0);
  });

  it('stops counting once the total passes the limit', () => {
    const text = 'lorem ipsum dolor sit amet, '.repeat(2000); // about 14,000 tokens
    const work: TokenCountWork = { bytesMerged: 0 };
    expect(countTokensWithin(text, 100, work)).toBe(false);
    expect(work.bytesMerged).toBeLessThan(1000);
    expect(countTokensWithin(text, 1_000_000)).toBe(gptCountTokens(text, AS_TEXT));
  });

  it("'a' x 120,000 (one piece of 15,000 tokens) is over 8192", () => {
    expect(countTokensWithin('a'.repeat(120_000), 8192)).toBe(false);
    expect(countTokensExactly('a'.repeat(120_000))).toBe(15_000);
  });
});
