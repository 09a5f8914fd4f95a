import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeReportFiles } from '../../src/report/report-writer.ts';
import { clearSecretsForTests, redactContents, redactText, registerSecret, registerUrlSecrets, PG_SECRET_PARAMS } from '../../src/util/redact.ts';

afterEach(() => clearSecretsForTests());

describe('redaction of known secrets', () => {
  it('replaces a registered secret in its raw, URL-encoded and JSON-escaped forms', () => {
    registerSecret('s3cr/et "x"+y');
    const text = `raw s3cr/et "x"+y url ${encodeURIComponent('s3cr/et "x"+y')} json ${JSON.stringify('s3cr/et "x"+y')} form ${new URLSearchParams({ q: 's3cr/et "x"+y' })}`;
    expect(redactText(text)).toBe('raw [redacted] url [redacted] json "[redacted]" form q=[redacted]');
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    registerSecret('abcd');
    registerSecret('abcdefgh');
    expect(redactText('x abcdefgh y abcd')).toBe('x [redacted] y [redacted]');
  });

  it('leaves values too short to search for alone, and text without secrets unchanged', () => {
    registerSecret('v2');
    expect(redactText('v2 of 2024')).toBe('v2 of 2024');
    const bytes = Buffer.from('nothing here');
    expect(redactContents(bytes)).toBe(bytes);
  });

  it('registers a Postgres password and password parameter, not its settings', () => {
    registerUrlSecrets('postgresql://u:p%40ssword1@h:5432/db?sslmode=disable&password=other-secret', { onlyQuery: PG_SECRET_PARAMS });
    expect(redactText('p@ssword1 p%40ssword1 other-secret sslmode=disable')).toBe('[redacted] [redacted] [redacted] sslmode=disable');
  });

  it('every report file is written without the secrets, text or bytes', async () => {
    registerSecret('sk-file-secret-1');
    const dir = await mkdtemp(join(tmpdir(), 'memopt-redact-'));
    await writeReportFiles(dir, [
      { name: 'a.csv', contents: 'error,401 Bearer sk-file-secret-1\n' },
      { name: 'b.json', contents: Buffer.from('{"m":"sk-file-secret-1"}') },
    ]);
    expect(await readFile(join(dir, 'a.csv'), 'utf8')).toBe('error,401 Bearer [redacted]\n');
    expect(await readFile(join(dir, 'b.json'), 'utf8')).toBe('{"m":"[redacted]"}');
  });
});
