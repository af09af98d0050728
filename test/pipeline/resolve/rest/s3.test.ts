import { describe, expect, it } from 'vitest';
import { resolveS3, s3Location } from '../../../../src/pipeline/resolve/rest/s3.js';
import type { CallDescription } from '../../../../src/pipeline/resolve/types.js';
import { call } from '../../../support/call.js';

const s3 = (method: string, rawPath: string, rawQuery = '', extra: Partial<CallDescription> = {}) =>
  resolveS3(call({ service: 's3', method, rawPath, rawQuery, ...extra }));

describe('resolveS3', () => {
  it('GET / is ListBuckets → s3:ListAllMyBuckets with no resource', () => {
    expect(s3('GET', '/')).toStrictEqual({ operation: 'ListBuckets', actions: [{ action: 's3:ListAllMyBuckets', resources: [], known: true }] });
  });

  it('ListObjectsV2 (?list-type=2) → s3:ListBucket on the bucket ARN', () => {
    expect(s3('GET', '/my-bucket', 'list-type=2&prefix=logs%2F&delimiter=%2F')).toStrictEqual({
      operation: 'ListObjectsV2',
      actions: [{ action: 's3:ListBucket', resources: ['arn:aws:s3:::my-bucket'], known: true }],
    });
  });

  it('ListObjects (v1) on the bucket, with or without a trailing slash', () => {
    expect(s3('GET', '/my-bucket').operation).toBe('ListObjects');
    expect(s3('GET', '/my-bucket/')).toMatchObject({ operation: 'ListObjects', actions: [{ action: 's3:ListBucket', resources: ['arn:aws:s3:::my-bucket'] }] });
  });

  it('GetObject → s3:GetObject on the decoded object ARN', () => {
    expect(s3('GET', '/b/dir/a%20b%2Bc%E2%9C%93.txt').actions).toStrictEqual([
      { action: 's3:GetObject', resources: ['arn:aws:s3:::b/dir/a b+c✓.txt'], known: true },
    ]);
  });

  it('GetObject with ?versionId needs s3:GetObjectVersion', () => {
    expect(s3('GET', '/b/k', 'versionId=3').actions[0]!.action).toBe('s3:GetObjectVersion');
  });

  it('HeadObject → s3:GetObject; HeadBucket → s3:ListBucket', () => {
    expect(s3('HEAD', '/b/k')).toStrictEqual({ operation: 'HeadObject', actions: [{ action: 's3:GetObject', resources: ['arn:aws:s3:::b/k'], known: true }] });
    expect(s3('HEAD', '/b')).toStrictEqual({ operation: 'HeadBucket', actions: [{ action: 's3:ListBucket', resources: ['arn:aws:s3:::b'], known: true }] });
  });

  it('PutObject → s3:PutObject on the object', () => {
    expect(s3('PUT', '/b/new.txt')).toStrictEqual({ operation: 'PutObject', actions: [{ action: 's3:PutObject', resources: ['arn:aws:s3:::b/new.txt'], known: true }] });
  });

  it('CopyObject → s3:GetObject on the decoded source and s3:PutObject on the destination', () => {
    const resolved = s3('PUT', '/dst-bucket/copy%20of.txt', '', { headers: { 'x-amz-copy-source': '/src-bucket/a%20b.txt' } });
    expect(resolved).toStrictEqual({
      operation: 'CopyObject',
      actions: [
        { action: 's3:GetObject', resources: ['arn:aws:s3:::src-bucket/a b.txt'], known: true },
        { action: 's3:PutObject', resources: ['arn:aws:s3:::dst-bucket/copy of.txt'], known: true },
      ],
    });
  });

  // Regression: copying a specific version was checked as s3:GetObject, which does not grant reading old versions.
  it('CopyObject of a specific version → s3:GetObjectVersion on the decoded source (version dropped from the ARN)', () => {
    const resolved = s3('PUT', '/dst-bucket/copy%20of.txt', '', { headers: { 'x-amz-copy-source': '/src-bucket/a%20b.txt?versionId=1' } });
    expect(resolved).toStrictEqual({
      operation: 'CopyObject',
      actions: [
        { action: 's3:GetObjectVersion', resources: ['arn:aws:s3:::src-bucket/a b.txt'], known: true },
        { action: 's3:PutObject', resources: ['arn:aws:s3:::dst-bucket/copy of.txt'], known: true },
      ],
    });
  });

  it('UploadPartCopy of a specific version → s3:GetObjectVersion on the source', () => {
    const resolved = s3('PUT', '/b/k', 'partNumber=1&uploadId=u', { headers: { 'x-amz-copy-source': 'src/s?versionId=abc' } });
    expect(resolved.actions.map((a) => [a.action, a.resources])).toStrictEqual([
      ['s3:GetObjectVersion', ['arn:aws:s3:::src/s']],
      ['s3:PutObject', ['arn:aws:s3:::b/k']],
    ]);
  });

  it('a versionId in the copy source does not change the destination action', () => {
    const resolved = s3('PUT', '/dst/k', '', { headers: { 'x-amz-copy-source': '/src/k?versionId=7' } });
    expect(resolved.actions.map((a) => a.action)).toStrictEqual(['s3:GetObjectVersion', 's3:PutObject']);
  });

  it('CopyObject with a copy source without the leading slash', () => {
    const resolved = s3('PUT', '/dst/k', '', { headers: { 'x-amz-copy-source': 'src/dir%2Fx.txt' } });
    expect(resolved.actions[0]!.resources).toStrictEqual(['arn:aws:s3:::src/dir/x.txt']);
  });

  it('multipart upload: create, upload part, complete → s3:PutObject; abort → s3:AbortMultipartUpload', () => {
    const putObject = [{ action: 's3:PutObject', resources: ['arn:aws:s3:::b/big.bin'], known: true }];
    expect(s3('POST', '/b/big.bin', 'uploads')).toStrictEqual({ operation: 'CreateMultipartUpload', actions: putObject });
    expect(s3('PUT', '/b/big.bin', 'partNumber=2&uploadId=abc')).toStrictEqual({ operation: 'UploadPart', actions: putObject });
    expect(s3('POST', '/b/big.bin', 'uploadId=abc')).toStrictEqual({ operation: 'CompleteMultipartUpload', actions: putObject });
    expect(s3('DELETE', '/b/big.bin', 'uploadId=abc')).toStrictEqual({
      operation: 'AbortMultipartUpload',
      actions: [{ action: 's3:AbortMultipartUpload', resources: ['arn:aws:s3:::b/big.bin'], known: true }],
    });
  });

  it('UploadPartCopy reads the source and writes the destination', () => {
    const resolved = s3('PUT', '/b/k', 'partNumber=1&uploadId=u', { headers: { 'x-amz-copy-source': '/src/s' } });
    expect(resolved.operation).toBe('UploadPartCopy');
    expect(resolved.actions.map((a) => [a.action, a.resources])).toStrictEqual([
      ['s3:GetObject', ['arn:aws:s3:::src/s']],
      ['s3:PutObject', ['arn:aws:s3:::b/k']],
    ]);
  });

  // Regression: DeleteObjects was checked as s3:DeleteObject on the bucket ARN, which no object-level statement matches or denies.
  it('DeleteObjects (POST ?delete) → s3:DeleteObject on each key, s3:DeleteObjectVersion on each versioned one', () => {
    const body = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>dir/one.txt</Key></Object>' +
        '<Object><Key>two.txt</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet></Delete>',
    );
    expect(s3('POST', '/b', 'delete', { body })).toStrictEqual({
      operation: 'DeleteObjects',
      actions: [
        { action: 's3:DeleteObject', resources: ['arn:aws:s3:::b/dir/one.txt'], known: true },
        { action: 's3:DeleteObjectVersion', resources: ['arn:aws:s3:::b/two.txt'], known: true },
      ],
    });
  });

  it('DeleteObjects reads CDATA keys, skips commented-out ones, and names nothing for malformed XML', () => {
    const body = Buffer.from('<Delete><Object><Key><![CDATA[p/<x>]]></Key></Object><!-- <Object><Key>hidden</Key></Object> --></Delete>');
    expect(s3('POST', '/b', 'delete', { body }).actions).toStrictEqual([{ action: 's3:DeleteObject', resources: ['arn:aws:s3:::b/p/<x>'], known: true }]);
    const malformed = Buffer.from('<Delete><Object><Key>x</Object>');
    expect(s3('POST', '/b', 'delete', { body: malformed }).actions).toStrictEqual([{ action: 's3:DeleteObject', resources: [], known: true }]);
  });

  it('DeleteObjects unescapes XML entities in keys', () => {
    const body = Buffer.from('<Delete><Object><Key>a&amp;b.txt</Key></Object><Object><Key>&lt;x&gt; &quot;q&quot; &apos;&#65;&#x42;</Key></Object></Delete>');
    expect(s3('POST', '/b', 'delete', { body }).actions).toStrictEqual([
      { action: 's3:DeleteObject', resources: ['arn:aws:s3:::b/a&b.txt', 'arn:aws:s3:::b/<x> "q" \'AB'], known: true },
    ]);
  });

  it('DeleteObjects keeps a key spanning lines and does not percent-decode it', () => {
    const body = Buffer.from('<Delete>\n  <Object>\n    <Key>line1\nline2%20x</Key>\n  </Object>\n</Delete>');
    expect(s3('POST', '/b', 'delete', { body }).actions[0]!.resources).toStrictEqual(['arn:aws:s3:::b/line1\nline2%20x']);
  });

  it('DeleteObjects reads every Key element, also one written with whitespace inside its tags', () => {
    const body = Buffer.from('<Delete><Object><Key>ok.txt</Key></Object><Object><Key >protected/x</Key ></Object></Delete>');
    expect(s3('POST', '/b', 'delete', { body }).actions[0]!.resources).toStrictEqual(['arn:aws:s3:::b/ok.txt', 'arn:aws:s3:::b/protected/x']);
  });

  it('DeleteObjects with no body, or a body naming no key, has no resources', () => {
    expect(s3('POST', '/b', 'delete')).toStrictEqual({ operation: 'DeleteObjects', actions: [{ action: 's3:DeleteObject', resources: [], known: true }] });
    expect(s3('POST', '/b', 'delete', { body: Buffer.from('<Delete><Quiet>true</Quiet></Delete>') }).actions[0]!.resources).toStrictEqual([]);
  });

  it('DeleteObjects on a virtual-hosted bucket', () => {
    const body = Buffer.from('<Delete><Object><Key>k</Key></Object></Delete>');
    expect(s3('POST', '/', 'delete', { hostBucket: 'vb', body }).actions[0]!.resources).toStrictEqual(['arn:aws:s3:::vb/k']);
  });

  it('DeleteObject and DeleteObject with a version', () => {
    expect(s3('DELETE', '/b/k').actions[0]!.action).toBe('s3:DeleteObject');
    expect(s3('DELETE', '/b/k', 'versionId=2').actions[0]!.action).toBe('s3:DeleteObjectVersion');
  });

  it('bucket policy: GetBucketPolicy, PutBucketPolicy, DeleteBucketPolicy', () => {
    expect(s3('GET', '/b', 'policy')).toStrictEqual({ operation: 'GetBucketPolicy', actions: [{ action: 's3:GetBucketPolicy', resources: ['arn:aws:s3:::b'], known: true }] });
    expect(s3('PUT', '/b', 'policy')).toStrictEqual({ operation: 'PutBucketPolicy', actions: [{ action: 's3:PutBucketPolicy', resources: ['arn:aws:s3:::b'], known: true }] });
    expect(s3('DELETE', '/b', 'policy').actions[0]!.action).toBe('s3:DeleteBucketPolicy');
  });

  it('object tagging is an object sub-resource, bucket tagging a bucket one', () => {
    expect(s3('GET', '/b/k', 'tagging')).toMatchObject({ operation: 'GetObjectTagging', actions: [{ action: 's3:GetObjectTagging', resources: ['arn:aws:s3:::b/k'] }] });
    expect(s3('GET', '/b', 'tagging')).toMatchObject({ operation: 'GetBucketTagging', actions: [{ action: 's3:GetBucketTagging', resources: ['arn:aws:s3:::b'] }] });
  });

  it('ignores the x-id query parameter the SDK adds', () => {
    expect(s3('GET', '/b/k', 'x-id=GetObject')).toStrictEqual(s3('GET', '/b/k'));
    expect(s3('PUT', '/b/k', 'x-id=PutObject').operation).toBe('PutObject');
  });

  it('virtual-hosted: the bucket comes from the host, the whole path is the key', () => {
    const host = { hostBucket: 'my.dotted.bucket' };
    expect(s3('GET', '/dir/k.txt', '', host)).toStrictEqual({
      operation: 'GetObject',
      actions: [{ action: 's3:GetObject', resources: ['arn:aws:s3:::my.dotted.bucket/dir/k.txt'], known: true }],
    });
    expect(s3('GET', '/', 'list-type=2', host)).toMatchObject({ operation: 'ListObjectsV2', actions: [{ resources: ['arn:aws:s3:::my.dotted.bucket'] }] });
  });

  describe('through an S3 access point', () => {
    const accessPoint = { accessPoint: { name: 'reports', accountId: '111122223333' } };
    const apArn = 'arn:aws:s3:us-east-1:111122223333:accesspoint/reports';

    it('GetObject → s3:GetObject on the access point object ARN', () => {
      expect(s3('GET', '/key.txt', '', accessPoint)).toStrictEqual({
        operation: 'GetObject',
        actions: [{ action: 's3:GetObject', resources: [`${apArn}/object/key.txt`], known: true }],
      });
    });

    it('the whole decoded path is the key', () => {
      expect(s3('PUT', '/dir/a%20b.txt', '', accessPoint).actions).toStrictEqual([
        { action: 's3:PutObject', resources: [`${apArn}/object/dir/a b.txt`], known: true },
      ]);
    });

    it('ListObjectsV2 → s3:ListBucket on the access point ARN', () => {
      expect(s3('GET', '/', 'list-type=2', accessPoint)).toStrictEqual({
        operation: 'ListObjectsV2',
        actions: [{ action: 's3:ListBucket', resources: [apArn], known: true }],
      });
    });

    it('uses the region and partition of the call', () => {
      expect(s3('GET', '/k', '', { ...accessPoint, region: 'cn-north-1', partition: 'aws-cn' }).actions[0]!.resources).toStrictEqual([
        'arn:aws-cn:s3:cn-north-1:111122223333:accesspoint/reports/object/k',
      ]);
    });

    it('DeleteObjects → s3:DeleteObject on each access point object ARN', () => {
      const body = Buffer.from('<Delete><Object><Key>a.txt</Key></Object><Object><Key>b.txt</Key></Object></Delete>');
      expect(s3('POST', '/', 'delete', { ...accessPoint, body }).actions[0]!.resources).toStrictEqual([
        `${apArn}/object/a.txt`,
        `${apArn}/object/b.txt`,
      ]);
    });
  });

  it('uses the partition in ARNs', () => {
    expect(s3('GET', '/b/k', '', { partition: 'aws-cn' }).actions[0]!.resources).toStrictEqual(['arn:aws-cn:s3:::b/k']);
  });

  it('an unmapped method gives no operation and no actions', () => {
    expect(s3('PATCH', '/b/k')).toStrictEqual({ operation: undefined, actions: [] });
  });
});

describe('s3Location', () => {
  it.each([
    ['/', undefined, { bucket: undefined, key: undefined }],
    ['/b', undefined, { bucket: 'b', key: undefined }],
    ['/b/', undefined, { bucket: 'b', key: undefined }],
    ['/b/a/b%2Fc', undefined, { bucket: 'b', key: 'a/b/c' }],
    ['/b//double', undefined, { bucket: 'b', key: '/double' }],
    ['/', 'vb', { bucket: 'vb', key: undefined }],
    ['/k%25x', 'vb', { bucket: 'vb', key: 'k%x' }],
    ['/bad%zz', 'vb', { bucket: 'vb', key: 'bad%zz' }],
  ])('%s (host bucket %s)', (rawPath, hostBucket, expected) => {
    expect(s3Location(rawPath, hostBucket)).toStrictEqual(expected);
  });
});
