import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config.js';
import { loadAllowlist } from '../../../src/pipeline/decide/allowlist.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'allowlist-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function loadError(path: string): Promise<ConfigError> {
  const error = await loadAllowlist(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadAllowlist', () => {
  it('loads a valid policy', async () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] };
    const path = file('ok.json', JSON.stringify(policy));
    expect(await loadAllowlist(path)).toStrictEqual({ path, policy });
  });

  it('rejects a missing file, naming it and the errno', async () => {
    const path = join(dir, 'absent.json');
    expect((await loadError(path)).message).toBe(`cannot read ALLOWLIST_PATH ${path}: ENOENT`);
  });

  it('rejects invalid JSON', async () => {
    const path = file('bad.json', '{"Statement": [');
    expect((await loadError(path)).message).toMatch(new RegExp(`^ALLOWLIST_PATH ${path} is not valid JSON: `));
  });

  it('rejects a document without Statement', async () => {
    const path = file('nostatement.json', '{"Version": "2012-10-17"}');
    expect((await loadError(path)).message).toBe(`ALLOWLIST_PATH ${path} is not a valid IAM policy: it has no "Statement"`);
  });

  it.each([['null'], ['[]'], ['"text"']])('rejects the JSON value %s', async (text) => {
    const path = file(`value-${text.length}.json`, text);
    expect((await loadError(path)).message).toContain('is not a valid IAM policy');
  });

  it('rejects a policy with an invalid key, saying which', async () => {
    const path = file('badkey.json', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Actions: 's3:GetObject', Resource: '*' }] }));
    const message = (await loadError(path)).message;
    expect(message).toMatch(new RegExp(`^ALLOWLIST_PATH ${path} is not a valid IAM policy: .+`));
    expect(message).toContain('Actions');
  });

  it('rejects an invalid Effect', async () => {
    const path = file('effect.json', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Permit', Action: 's3:GetObject', Resource: '*' }] }));
    expect((await loadError(path)).message).toContain('is not a valid IAM policy');
  });
});
