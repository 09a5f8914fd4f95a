/**
 * The one place that knows a run's secrets and removes them from everything memopt writes or prints.
 *
 * Secrets are registered where memopt learns them: the url endpoint registers its API key (read from its environment
 * variable), its header and query values and the query values of its URL; a Postgres connection registers its
 * password. Every written file (writeReportFiles), every line the CLI prints (its io), every scenario error recorded
 * (an endpoint's error body copied into a message) and the argv kept in run.json pass through here, so a server that
 * echoes the key back in an error body cannot carry it into summary.csv, run.json, Markdown or the console.
 *
 * The registry lives for the process: a secret once registered stays redacted. Each secret is also matched in its
 * URL-encoded and JSON-escaped forms (how an echoed query or body shows it). Values shorter than
 * MIN_SECRET_LENGTH are not scrubbed from free text (replacing "1" or "v2" everywhere would corrupt every number and
 * name in a report); argv still hides them by position (the value of --header, --query, --pg-url, URL queries).
 */

/** What a removed secret is replaced by. */
export const REDACTED = '[redacted]';

/** Shorter values are hidden in argv by position only, never searched for in free text. */
export const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();
/** Longest first, so a secret that contains another is replaced whole. */
let ordered: string[] = [];

/** Remembers a secret value (and its encoded forms) for the rest of the process. */
export function registerSecret(value: string | null | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  const forms = new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1), new URLSearchParams({ v: value }).toString().slice(2)]);
  let added = false;
  for (const form of forms) {
    if (form.length >= MIN_SECRET_LENGTH && !secrets.has(form)) {
      secrets.add(form);
      added = true;
    }
  }
  if (added) ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/**
 * Registers the secret parts of a URL: its password and its query values (the rest of a URL is not secret). For a
 * Postgres URL pass `onlyQuery: PG_SECRET_PARAMS`: its other parameters (sslmode=disable) are settings, not secrets.
 */
export function registerUrlSecrets(url: string, options: { onlyQuery?: readonly string[] } = {}): void {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return;
  }
  registerSecret(safeDecode(parsed.password));
  registerSecret(parsed.password);
  for (const [name, value] of parsed.searchParams) if (!options.onlyQuery || options.onlyQuery.includes(name)) registerSecret(value);
}

/** The query parameters of a Postgres connection string that hold a secret. */
export const PG_SECRET_PARAMS = ['password', 'sslpassword'] as const;

/** The text with every registered secret replaced by [redacted]. */
export function redactText(text: string): string {
  if (ordered.length === 0) return text;
  let out = text;
  for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** File contents with the secrets removed (bytes that are not text, such as a copied run.json Buffer, too). */
export function redactContents(contents: string | Uint8Array): string | Uint8Array {
  if (ordered.length === 0) return contents;
  if (typeof contents === 'string') return redactText(contents);
  const text = Buffer.from(contents).toString('utf8');
  const redacted = redactText(text);
  return redacted === text ? contents : Buffer.from(redacted, 'utf8');
}

const VALUE_FLAGS = new Set(['--header', '--query']);
const WHOLE_VALUE_FLAGS = new Set(['--pg-url']);

/**
 * argv for run.json: the values of --header and --query replaced (their names kept), the value of --pg-url
 * replaced whole, the password and query values of any URL replaced, then every registered secret removed.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const inline = /^(--[A-Za-z0-9-]+)=(.*)$/s.exec(arg);
    const flag = inline ? inline[1] : arg;
    if (VALUE_FLAGS.has(flag) || WHOLE_VALUE_FLAGS.has(flag)) {
      const hide = (value: string) => (WHOLE_VALUE_FLAGS.has(flag) ? REDACTED : `${value.split('=')[0]}=${REDACTED}`);
      if (inline) out.push(`${flag}=${hide(inline[2])}`);
      else {
        out.push(arg);
        if (i + 1 < argv.length) out.push(hide(argv[++i]));
      }
      continue;
    }
    out.push(redactText(inline ? `${flag}=${redactUrl(inline[2])}` : redactUrl(arg)));
  }
  return out;
}

/** A URL with its password and query values replaced; anything that is not an absolute URL is returned as it is. */
export function redactUrl(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim())) return text;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return text;
  }
  if (!url.password && !url.search) return text;
  if (url.password) url.password = REDACTED;
  if (url.search) {
    const names = [...url.searchParams.keys()];
    url.search = names.map((name) => `${encodeURIComponent(name)}=${REDACTED}`).join('&');
  }
  return url.href.replace(/%5Bredacted%5D/gi, REDACTED);
}

/** An io whose every write has the secrets removed (the CLI wraps its own with this). */
export function redactingWriter(write: (text: string) => void): (text: string) => void {
  return (text) => write(redactText(text));
}

/** Forgets every secret (tests only: a process's secrets otherwise stay registered). */
export function clearSecretsForTests(): void {
  secrets.clear();
  ordered = [];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
