import { describe, expect, it } from 'vitest';
import { credentialPaths, unshareArgv } from '../../src/cli/isolate.js';

describe('run --isolate: what is hidden and how unshare is called', () => {
  it('covers the credentials file, the SSO, CLI and login caches, and AWS_SHARED_CREDENTIALS_FILE', () => {
    expect(credentialPaths({ HOME: '/home/u' })).toEqual(['/home/u/.aws/credentials', '/home/u/.aws/sso/cache', '/home/u/.aws/cli/cache', '/home/u/.aws/login/cache']);
    expect(credentialPaths({ HOME: '/home/u', AWS_SHARED_CREDENTIALS_FILE: '/secrets/aws' })).toContain('/secrets/aws');
  });

  it('as root: network and mount namespaces; as a user: a user namespace too, mapped to root inside', () => {
    expect(unshareArgv(['cmd', 'arg'], 0)).toEqual(['--net', '--mount', '--fork', '--', 'cmd', 'arg']);
    expect(unshareArgv(['cmd'], 1000)).toEqual(['--net', '--mount', '--fork', '--user', '--map-root-user', '--', 'cmd']);
  });
});
