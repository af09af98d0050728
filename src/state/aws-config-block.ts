import ini from 'ini';

export const PROFILE_NAME = 'iam-agent-proxy';
/**
 * The same credentials without `ca_bundle`, for applications whose SDK refuses a custom bundle
 * (rclone: aws-sdk-go v1 fails with LoadCustomCABundleError when the app brings its own HTTP
 * transport). Such clients trust the proxy CA through SSL_CERT_FILE = the combined bundle.
 */
export const NO_CA_BUNDLE_PROFILE_NAME = 'iam-agent-proxy-no-ca-bundle';
/** Both profiles the block defines; the user's config must define neither. */
export const OUR_PROFILE_NAMES = [PROFILE_NAME, NO_CA_BUNDLE_PROFILE_NAME] as const;

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
    `[profile ${NO_CA_BUNDLE_PROFILE_NAME}]`,
    `credential_process = ${quoteIfNeeded(settings.credentialProcess)}`,
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

/** Whether the user's own config (our block aside) already defines one of our profiles. */
export function definesOurProfile(text: string): boolean {
  return ourProfileDefinedIn(text) !== undefined;
}

/** The first of our profile names the user's own config (our block aside) defines, if any. */
export function ourProfileDefinedIn(text: string): string | undefined {
  const parsed = ini.parse(removeProfileBlock(text) ?? '');
  const sections = Object.keys(parsed).map((section) => section.trim().replace(/\s+/g, ' '));
  return OUR_PROFILE_NAMES.find((name) => sections.includes(`profile ${name}`));
}

function quoteIfNeeded(path: string): string {
  return /\s/.test(path) ? `"${path}"` : path;
}
