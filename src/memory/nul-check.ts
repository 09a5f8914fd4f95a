/**
 * NUL characters (U+0000) in a namespace, a metadata key or a metadata string value are refused wherever memories
 * enter memopt (MemorySystem's add, addMany, update and search filters) and by the pgvector index itself, with one
 * message: Postgres cannot store NUL in `text` or `jsonb`, so an in-memory index would accept what pgvector rejects,
 * and a scenario's answer would depend on the store. Refusing everywhere keeps every index answering the same.
 */

/** The attributes a memory carries into an index, or a search filter's (any extra fields are ignored). */
interface Attributes {
  namespace?: unknown;
  metadata?: Readonly<Record<string, unknown>>;
}

/** Throws a TypeError naming `where` and the field when a namespace, metadata key or string value holds NUL. */
export function refuseNul(attributes: Attributes | undefined, where: string): void {
  if (!attributes) return;
  const fail = (what: string, value: string): never => {
    throw new TypeError(`${where}: ${what} ${JSON.stringify(value)} contains a NUL character (U+0000), which Postgres (pgvector) cannot store; memopt refuses it in every index alike: remove or replace it`);
  };
  if (typeof attributes.namespace === 'string' && attributes.namespace.includes('\0')) fail('namespace', attributes.namespace);
  for (const [key, value] of Object.entries(attributes.metadata ?? {})) {
    if (key.includes('\0')) fail('metadata key', key);
    if (typeof value === 'string' && value.includes('\0')) fail(`metadata '${key.replace(/\0/g, '\\u0000')}' value`, value);
  }
}
