/** A command-line mistake: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** Parses `--name value` / `--flag` options; anything not in `spec` is a UsageError. */
export function parseOptions(args: string[], spec: Record<string, 'value' | 'flag'>): Record<string, string | true> {
  const options: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s, 2) : [undefined, undefined];
    const kind = name !== undefined && Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (name === undefined || kind === undefined) throw new UsageError(`unexpected argument "${arg}"`);
    if (kind === 'flag') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    options[name] = value;
  }
  return options;
}
