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

  it('CopyObject → s3:GetObject on the decoded source (version dropped) and s3:PutObject on the destination', () => {
    const resolved = s3('PUT', '/dst-bucket/copy%20of.txt', '', { headers: { 'x-amz-copy-source': '/src-bucket/a%20b.txt?versionId=1' } });
    expect(resolved).toStrictEqual({
      operation: 'CopyObject',
      actions: [
        { action: 's3:GetObject', resources: ['arn:aws:s3:::src-bucket/a b.txt'], known: true },
        { action: 's3:PutObject', resources: ['arn:aws:s3:::dst-bucket/copy of.txt'], known: true },
      ],
    });
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

  it('DeleteObjects (POST ?delete) → s3:DeleteObject', () => {
    const resolved = s3('POST', '/b', 'delete');
    expect(resolved.operation).toBe('DeleteObjects');
    expect(resolved.actions.map((a) => a.action)).toStrictEqual(['s3:DeleteObject']);
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
