/**
 * Token counting with cl100k_base, the encoding of every OpenAI embedding model.
 *
 * Special-token text such as `<|endoftext|>` is counted as ordinary text, as the embeddings endpoint does with
 * user input (gpt-tokenizer would otherwise throw on it).
 */
import { countTokens as countCl100k, decode } from 'gpt-tokenizer/encoding/cl100k_base';

const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Number of cl100k_base tokens in `text`. */
export function countTokens(text: string): number {
  return countCl100k(text, AS_PLAIN_TEXT);
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
