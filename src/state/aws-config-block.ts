import ini from 'ini';

export const PROFILE_NAME = 'iam-agent-proxy';

const BEGIN = '# >>> iam-agent-proxy: temporary profile, removed when the proxy stops';
const END = '# <<< iam-agent-proxy';
/** Flags on the BEGIN line record what adding the block changed, so removing it restores the exact bytes. */
const ADDED_NEWLINE = ' [newline added]';
const CREATED_FILE = ' [file created]';

export interface ProfileSettings {
  credentialProcess: string;
  caBundle: string;
}

/**
 * The config text with our profile block appended. The rest of the file is not parsed and
 * re-written (ini round trips drop comments and break nested `s3 =` sub-sections): it is kept byte for byte.
 * `original` is undefined when the file does not exist.
 */
export function addProfileBlock(original: string | undefined, settings: ProfileSettings): string {
  const text = original ?? '';
  const needsNewline = text.length > 0 && !text.endsWith('\n');
  const flags = (original === undefined ? CREATED_FILE : '') + (needsNewline ? ADDED_NEWLINE : '');
  const block = [
    `${BEGIN}${flags} >>>`,
    `[profile ${PROFILE_NAME}]`,
    `credential_process = ${quoteIfNeeded(settings.credentialProcess)}`,
    `ca_bundle = ${settings.caBundle}`,
    `${END} <<<`,
    '',
  ].join('\n');
  return `${text}${needsNewline ? '\n' : ''}${block}`;
}

/**
 * The config text with our block removed, exactly as it was before; `undefined` means the file
 * did not exist before and should be deleted. Text without a block is returned unchanged.
 */
export function removeProfileBlock(text: string): string | undefined {
  const start = text.indexOf(BEGIN);
  if (start === -1) return text;
  const endMarker = text.indexOf(END, start);
  const lineEnd = endMarker === -1 ? text.length : text.indexOf('\n', endMarker);
  const after = lineEnd === -1 ? text.length : lineEnd + 1;
  const beginLine = text.slice(start, text.indexOf('\n', start));
  let before = text.slice(0, start);
  if (beginLine.includes(ADDED_NEWLINE) && before.endsWith('\n')) before = before.slice(0, -1);
  const restored = before + text.slice(after);
  return beginLine.includes(CREATED_FILE) && restored === '' ? undefined : restored;
}

export function hasProfileBlock(text: string): boolean {
  return text.includes(BEGIN);
}

/** Whether the user's own config (our block aside) already defines `[profile iam-agent-proxy]`. */
export function definesOurProfile(text: string): boolean {
  const parsed = ini.parse(removeProfileBlock(text) ?? '');
  return Object.keys(parsed).some((section) => section.trim().replace(/\s+/g, ' ') === `profile ${PROFILE_NAME}`);
}

function quoteIfNeeded(path: string): string {
  return /\s/.test(path) ? `"${path}"` : path;
}
