import { countTokensExactly, countTokensWithin } from '../../util/bounded-tokens.ts';

/**
 * Cheap token accounting for embedding inputs.
 *
 * Every cl100k token is at least one UTF-8 byte, so a text's UTF-8 byte length is an upper bound on its token
 * count. The batcher works with these bounds and only counts real tokens when a bound exceeds a limit, so the
 * common case (short texts far below every limit) costs one native byte count and no tokenization. Real counts
 * come from util/bounded-tokens.ts: gpt-tokenizer's cl100k_base ranks and pre-tokenizer, merged in O(n log n) so
 * a long text cannot stall the caller (gpt-tokenizer's own merge is quadratic in a long piece).
 *
 * Special-token strings such as "<|endoftext|>" count as plain text, as the embeddings API treats them.
 */

/** An upper bound on the cl100k token count of `text`: its UTF-8 byte length. */
export function tokenUpperBound(text: string): number {
  // Native and O(length); much tighter than 3 * length for mostly-ASCII text, which keeps batches full.
  return Buffer.byteLength(text, 'utf8');
}

/** The exact cl100k token count of `text`. */
export function exactTokens(text: string): number {
  return countTokensExactly(text);
}

/**
 * The exact token count of `text` if it is at most `limit`, else `false`. A text too large to fit by its bytes
 * alone (over limit x 128 bytes) is refused without tokenizing; otherwise counting stops as soon as the count
 * passes `limit`.
 */
export function tokensWithin(text: string, limit: number): number | false {
  return countTokensWithin(text, limit);
}
