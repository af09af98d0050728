import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError } from '../../src/cli/args.js';

const spec = { agent: 'value', out: 'value', json: 'flag', force: 'flag' } as const;

describe('parseOptions', () => {
  it('returns {} for no arguments', () => {
    expect(parseOptions([], spec)).toStrictEqual({});
  });

  it('reads --name value, --name=value and flags', () => {
    expect(parseOptions(['--agent', 'ci', '--out=policy.json', '--json'], spec)).toStrictEqual({ agent: 'ci', out: 'policy.json', json: true });
  });

  it('keeps everything after the first = of an inline value', () => {
    expect(parseOptions(['--out=a=b=c'], spec)).toStrictEqual({ out: 'a=b=c' });
  });

  it('takes a value that starts with -- when given as the next argument', () => {
    expect(parseOptions(['--agent', '--json'], spec)).toStrictEqual({ agent: '--json' });
  });

  it('lets a later option override an earlier one', () => {
    expect(parseOptions(['--agent', 'a', '--agent', 'b'], spec)).toStrictEqual({ agent: 'b' });
  });

  it.each([
    [['positional'], 'unexpected argument "positional"'],
    [['-a'], 'unexpected argument "-a"'],
    [['--unknown'], 'unexpected argument "--unknown"'],
    [['--unknown=1'], 'unexpected argument "--unknown=1"'],
    [['--agent'], '--agent needs a value'],
    [['--agent='], '--agent needs a value'],
    [['--agent', ''], '--agent needs a value'],
    [['--json=yes'], '--json takes no value'],
    [['--json='], '--json takes no value'],
  ])('%j → UsageError %j', (args, message) => {
    expect(() => parseOptions(args, spec)).toThrow(UsageError);
    expect(() => parseOptions(args, spec)).toThrow(message);
  });

  // Regression: the spec was looked up with spec[name], so inherited Object.prototype members counted as options.
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])('--%s is not an option unless the spec names it', (name) => {
    expect(() => parseOptions([`--${name}`, 'x'], {})).toThrow(UsageError);
    expect(() => parseOptions([`--${name}`, 'x'], {})).toThrow(`unexpected argument "--${name}"`);
    expect(() => parseOptions([`--${name}=x`], spec)).toThrow(UsageError);
  });

  it('an option named constructor works when the spec names it', () => {
    expect(parseOptions(['--constructor', 'x'], { constructor: 'value' } as const)).toStrictEqual({ constructor: 'x' });
  });
});
