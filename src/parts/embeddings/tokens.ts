import { countTokens, isWithinTokenLimit } from 'gpt-tokenizer/encoding/cl100k_base';

/**
 * Cheap token accounting for embedding inputs.
 *
 * Every cl100k token is at least one UTF-8 byte, so a text's UTF-8 byte length is an upper bound on its token
 * count. The batcher works with these bounds and only runs the real tokenizer when a bound exceeds a limit, so the common
 * case (short texts far below every limit) costs one native byte count and no tokenization. Nothing is cached
 * here; gpt-tokenizer keeps its own bounded merge cache.
 */

// The embeddings API treats special-token strings such as "<|endoftext|>" as plain text, so count them as text
// (gpt-tokenizer's default would throw on them).
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** An upper bound on the cl100k token count of `text`: its UTF-8 byte length. */
export function tokenUpperBound(text: string): number {
  // Native and O(length); much tighter than 3 * length for mostly-ASCII text, which keeps batches full.
  return Buffer.byteLength(text, 'utf8');
}

/** The exact cl100k token count of `text`. */
export function exactTokens(text: string): number {
  return countTokens(text, PLAIN_TEXT);
}

/**
 * The exact token count of `text` if it is at most `limit`, else `false`. Stops tokenizing as soon as the count
 * passes `limit`, so rejecting a huge text costs about `limit` tokens of work, not the whole text.
 */
export function tokensWithin(text: string, limit: number): number | false {
  return isWithinTokenLimit(text, limit, PLAIN_TEXT);
}
