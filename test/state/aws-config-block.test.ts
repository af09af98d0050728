import ini from 'ini';
import { describe, expect, it } from 'vitest';
import {
  addProfileBlock,
  definesOurProfile,
  hasProfileBlock,
  NO_CA_BUNDLE_PROFILE_NAME,
  ourProfileDefinedIn,
  PROFILE_NAME,
  removeProfileBlock,
} from '../../src/state/aws-config-block.js';

const settings = { credentialProcess: '/usr/local/bin/proxy-creds', caBundle: '/home/u/.iam-agent-proxy/ca.pem' };

const WITH_COMMENTS = `# my AWS config
; an old-style comment
[default]
region = eu-west-1   # trailing comment
output = json

[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = default
`;

const NESTED_S3 = `[default]
region = us-east-1
s3 =
    max_concurrent_requests = 20
    addressing_style = path
[profile other]
s3 =
  signature_version = s3v4
`;

describe('addProfileBlock / removeProfileBlock restore the exact bytes', () => {
  it.each([
    ['comments (# and ;)', WITH_COMMENTS],
    ['a nested s3 = sub-section', NESTED_S3],
    ['no trailing newline', '[default]\nregion = us-east-1'],
    ['CRLF line endings', '[default]\r\nregion = us-east-1\r\n\r\n[profile x]\r\nregion = eu-west-1\r\n'],
    ['CRLF without a final newline', '[default]\r\nregion = us-east-1'],
    ['an empty file', ''],
    ['non-ASCII', '# Konfiguration für Jürgen ✓ 🔑\n[profile café]\nregion = ap-northeast-1\n'],
    ['only newlines', '\n\n'],
  ])('%s', (_, original) => {
    const added = addProfileBlock(original, settings);
    expect(added.startsWith(original)).toBe(true);
    expect(added.length).toBeGreaterThan(original.length);
    expect(hasProfileBlock(added)).toBe(true);
    expect(removeProfileBlock(added)).toBe(original);
  });

  it('a missing file (undefined) comes back as undefined: delete it', () => {
    const added = addProfileBlock(undefined, settings);
    expect(hasProfileBlock(added)).toBe(true);
    expect(removeProfileBlock(added)).toBeUndefined();
  });

  it('an empty file that existed stays an empty file (not deleted)', () => {
    expect(removeProfileBlock(addProfileBlock('', settings))).toBe('');
  });

  it('adds a newline before the block only when the file lacks one, and takes it away again', () => {
    const added = addProfileBlock('[default]\nregion = x', settings);
    expect(added).toMatch(/^\[default\]\nregion = x\n# >>> iam-agent-proxy/);
    expect(addProfileBlock('[default]\n', settings)).toMatch(/^\[default\]\n# >>> iam-agent-proxy/);
  });

  it('the block is a profile the ini parser (as the AWS CLI reads it) sees with both settings', () => {
    const parsed = ini.parse(addProfileBlock(WITH_COMMENTS, settings));
    expect({ ...parsed[`profile ${PROFILE_NAME}`] }).toStrictEqual({ credential_process: settings.credentialProcess, ca_bundle: settings.caBundle });
    expect(parsed['profile dev']).toMatchObject({ source_profile: 'default' });
  });

  it('also defines the profile without ca_bundle (for rclone and other clients that refuse one), inside the same block', () => {
    const added = addProfileBlock(WITH_COMMENTS, settings);
    const parsed = ini.parse(added);
    expect({ ...parsed[`profile ${NO_CA_BUNDLE_PROFILE_NAME}`] }).toStrictEqual({ credential_process: settings.credentialProcess });
    const block = added.slice(WITH_COMMENTS.length);
    expect(block).toBe(
      [
        '# >>> iam-agent-proxy: temporary profile, removed when the proxy stops >>>',
        '[profile iam-agent-proxy]',
        `credential_process = ${settings.credentialProcess}`,
        `ca_bundle = ${settings.caBundle}`,
        '[profile iam-agent-proxy-no-ca-bundle]',
        `credential_process = ${settings.credentialProcess}`,
        '# <<< iam-agent-proxy <<<',
        '',
      ].join('\n'),
    );
    expect(removeProfileBlock(added)).toBe(WITH_COMMENTS);
  });

  it('keeps what the user appended after the block while it was installed', () => {
    const added = addProfileBlock(WITH_COMMENTS, settings);
    expect(removeProfileBlock(`${added}[profile late]\nregion = x\n`)).toBe(`${WITH_COMMENTS}[profile late]\nregion = x\n`);
  });

  it('returns text without a block unchanged', () => {
    expect(removeProfileBlock(WITH_COMMENTS)).toBe(WITH_COMMENTS);
    expect(hasProfileBlock(WITH_COMMENTS)).toBe(false);
  });

  it('a stale block (from a killed proxy) is removed, and adding again gives one block and a clean removal', () => {
    const stale = addProfileBlock('[default]\nregion = x', { credentialProcess: '/old/proxy-creds', caBundle: '/old/ca.pem' });
    const repaired = removeProfileBlock(stale);
    expect(repaired).toBe('[default]\nregion = x');
    const again = addProfileBlock(repaired, settings);
    expect(again.split('# >>> iam-agent-proxy').length - 1).toBe(1);
    expect(again).not.toContain('/old/');
    expect(removeProfileBlock(again)).toBe('[default]\nregion = x');
  });

  it('a stale block in a file we created is still removed to undefined after re-adding', () => {
    const repaired = removeProfileBlock(addProfileBlock(undefined, settings));
    expect(repaired).toBeUndefined();
    expect(removeProfileBlock(addProfileBlock(repaired, settings))).toBeUndefined();
  });

  it('quotes a credential_process whose path has spaces, and leaves others bare', () => {
    const quoted = addProfileBlock('', { ...settings, credentialProcess: '/Users/Jane Doe/My Tools/proxy-creds' });
    expect(quoted).toContain('\ncredential_process = "/Users/Jane Doe/My Tools/proxy-creds"\n');
    expect(quoted.match(/\ncredential_process = "\/Users\/Jane Doe\/My Tools\/proxy-creds"\n/g)).toHaveLength(2);
    expect(addProfileBlock('', settings)).toContain('\ncredential_process = /usr/local/bin/proxy-creds\n');
    expect(addProfileBlock('', settings)).toContain(`\nca_bundle = ${settings.caBundle}\n`);
  });
});

describe('definesOurProfile', () => {
  it.each([
    ['[profile iam-agent-proxy]\nregion = x\n'],
    ['[default]\nregion = y\n[profile   iam-agent-proxy]\nregion = x\n'],
    ['[profile\tiam-agent-proxy]\n'],
  ])('detects the user’s own profile in %j', (text) => {
    expect(definesOurProfile(text)).toBe(true);
  });

  it.each([
    ['[profile iam-agent-proxy-no-ca-bundle]\nregion = x\n', NO_CA_BUNDLE_PROFILE_NAME],
    ['[profile iam-agent-proxy]\n', PROFILE_NAME],
    ['[default]\n', undefined],
  ])('names which of our profiles the user defines in %j', (text, name) => {
    expect(ourProfileDefinedIn(text)).toBe(name);
    expect(definesOurProfile(text)).toBe(name !== undefined);
  });

  it('detects the user’s own profile even when our block is also present', () => {
    expect(definesOurProfile(addProfileBlock('[profile iam-agent-proxy]\nregion = x\n', settings))).toBe(true);
  });

  it.each([
    ['our own block', addProfileBlock(WITH_COMMENTS, settings)],
    ['our own block in a created file', addProfileBlock(undefined, settings)],
    ['a similar name', '[profile iam-agent-proxy-2]\n[iam-agent-proxy]\n[profile iam-agent-proxy-no-ca]\n'],
    ['nothing', ''],
  ])('does not flag %s', (_, text) => {
    expect(definesOurProfile(text)).toBe(false);
  });
});
