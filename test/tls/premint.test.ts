import { describe, expect, it } from 'vitest';
import { isAwsApiHost } from '../../src/aws/hosts.js';
import { premintHosts } from '../../src/tls/premint.js';

describe('premintHosts', () => {
  it("names the global endpoints and the common services' endpoints in the proxy's region, all AWS API hosts", () => {
    const hosts = premintHosts({ AWS_REGION: 'eu-west-1' });
    expect(hosts).toEqual(expect.arrayContaining(['sts.amazonaws.com', 's3.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 's3.eu-west-1.amazonaws.com', 'bedrock-runtime.eu-west-1.amazonaws.com']));
    expect(hosts.every(isAwsApiHost)).toBe(true);
    expect(hosts.length).toBeLessThanOrEqual(20);
    expect(new Set(hosts).size).toBe(hosts.length);
  });

  it('takes AWS_DEFAULT_REGION, then us-east-1; a malformed region adds no regional host', () => {
    expect(premintHosts({ AWS_DEFAULT_REGION: 'ap-south-1' })).toContain('sts.ap-south-1.amazonaws.com');
    expect(premintHosts({})).toContain('sts.us-east-1.amazonaws.com');
    expect(premintHosts({ AWS_REGION: 'evil.example.com/' })).toEqual(['sts.amazonaws.com', 's3.amazonaws.com', 'iam.amazonaws.com']);
  });
});
