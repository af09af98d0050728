import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { exitStatus, findExecutable, parseRunArgs } from '../../src/cli/run.js';

describe('parseRunArgs', () => {
  it('takes options before -- and everything after it as the command', () => {
    expect(parseRunArgs(['--agent', 'claude', '--', 'aws', '--help'])).toStrictEqual({ agent: 'claude', isolate: false, staticKeys: true, help: false, command: ['aws', '--help'] });
    expect(parseRunArgs(['--agent=ci', '--isolate', '--', 'sh', '-c', 'exit 7'])).toStrictEqual({ agent: 'ci', isolate: true, staticKeys: true, help: false, command: ['sh', '-c', 'exit 7'] });
    expect(parseRunArgs(['--no-static-keys', 'aws', 's3', 'ls'])).toMatchObject({ staticKeys: false, command: ['aws', 's3', 'ls'] });
    expect(parseRunArgs(['--', '--', 'x'])).toMatchObject({ command: ['--', 'x'] });
  });

  it('the first argument that is not an option starts the command without --', () => {
    expect(parseRunArgs(['env', '--help'])).toMatchObject({ help: false, command: ['env', '--help'] });
  });

  it('--help before the command is run\'s own', () => {
    expect(parseRunArgs(['--help'])).toMatchObject({ help: true });
    expect(parseRunArgs(['-h', '--', 'x'])).toMatchObject({ help: true });
  });

  it('refuses no command, an unknown flag, a missing agent name', () => {
    for (const args of [[], ['--'], ['--agent', 'claude'], ['--agent', 'claude', '--'], ['--bogus', '--', 'x'], ['-x', 'ls'], ['--agent'], ['--agent', '--', 'ls'], ['--agent='], ['--isolate=yes', '--', 'ls'], ['--no-static-keys=1', 'ls']]) {
      expect(() => parseRunArgs(args), JSON.stringify(args)).toThrow(UsageError);
    }
  });
});

describe('exitStatus', () => {
  it('is the code, or 128 + the signal number like a shell', () => {
    expect(exitStatus(0, null)).toBe(0);
    expect(exitStatus(7, null)).toBe(7);
    expect(exitStatus(null, 'SIGKILL')).toBe(137);
    expect(exitStatus(null, 'SIGTERM')).toBe(143);
    expect(exitStatus(null, 'SIGINT')).toBe(130);
  });
});

describe('findExecutable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iap-run-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bin', 'tool'), 0o755);
  writeFileSync(join(dir, 'bin', 'plain'), 'not executable');
  mkdirSync(join(dir, 'bin', 'adir'));

  it('looks along PATH for an executable file', () => {
    expect(findExecutable('tool', `/nonexistent:${join(dir, 'bin')}`)).toBe(join(dir, 'bin', 'tool'));
    expect(findExecutable('plain', join(dir, 'bin'))).toBeUndefined();
    expect(findExecutable('adir', join(dir, 'bin'))).toBeUndefined();
    expect(findExecutable('no-such-command-here', join(dir, 'bin'))).toBeUndefined();
    expect(findExecutable('tool', undefined)).toBeUndefined();
    expect(findExecutable('', join(dir, 'bin'))).toBeUndefined();
  });

  it('takes a name with a slash as a path, relative to the directory', () => {
    expect(findExecutable(join(dir, 'bin', 'tool'), '')).toBe(join(dir, 'bin', 'tool'));
    expect(findExecutable('./bin/tool', '', dir)).toBe('./bin/tool');
    expect(findExecutable('./bin/missing', '/usr/bin', dir)).toBeUndefined();
  });
});
