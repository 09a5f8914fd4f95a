/**
 * Token counting with cl100k_base, the encoding of every OpenAI embedding model.
 *
 * Special-token text such as `<|endoftext|>` is counted as ordinary text, as the embeddings endpoint does with
 * user input. Counts come from util/bounded-tokens.ts (gpt-tokenizer's ranks and pre-tokenizer, merged in
 * O(n log n)), so counting a long input costs time about linear in its bytes; decoding uses gpt-tokenizer.
 */
import { decode } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokensExactly } from '../../util/bounded-tokens.ts';

/** Number of cl100k_base tokens in `text`. */
export function countTokens(text: string): number {
  return countTokensExactly(text);
}

/**
 * The text a token array stands for, or undefined when an id is not a cl100k_base token (the mock embeds token
 * input by decoding it, so `[[9906, 1917]]` and `"Hello world"` give the same vector).
 */
export function decodeTokens(ids: readonly number[]): string | undefined {
  try {
    return decode(ids);
  } catch {
    return undefined;
  }
}
