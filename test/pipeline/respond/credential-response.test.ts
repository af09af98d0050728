import { describe, expect, it } from 'vitest';
import { credentialResponse, sessionTokenHeaderFor, type CredentialCall } from '../../../src/pipeline/respond/credential-response.js';
import { defaultCatalog } from '../../../src/services/catalog.js';
import { credentialBody } from '../../support/credential-body.js';

const REAL = { accessKeyId: 'ASIAREALRESPONSE0001', secretAccessKey: 'real/response/secret/00000000000000000001', sessionToken: 'realResponseToken//==', expiration: '2026-12-02T10:00:00Z' };
const call: CredentialCall = { protocol: 'awsQuery', service: 'sts', operation: 'AssumeRole', method: 'POST', locations: defaultCatalog().service('sts').operations.AssumeRole!.credentials! };
const standIn = () => ({ accessKeyId: 'ASIAPROXY00000000001', secretAccessKey: 'proxy-secret', sessionToken: 'proxy-token' });

describe('credentialResponse', () => {
  it('answers with the rewritten body, its length, and the other headers as they were', () => {
    const body = credentialBody('awsQuery', 'AssumeRole', call.locations, REAL);
    const answer = credentialResponse({ status: 200, headers: { 'content-type': 'text/xml', 'content-length': String(body.length), 'x-amzn-requestid': 'abc', etag: '"x"', connection: 'keep-alive' }, body }, call, standIn);
    expect(answer.status).toBe(200);
    expect(answer.error).toBeUndefined();
    expect(answer.headers).toEqual({ 'content-type': 'text/xml', 'x-amzn-requestid': 'abc', 'content-length': String(answer.body.length) });
    expect(answer.body.toString()).toContain('<SecretAccessKey>proxy-secret</SecretAccessKey>');
    expect(answer.body.toString()).not.toContain(REAL.secretAccessKey);
  });

  it('answers an upstream error afresh: its code and message, none of its body', () => {
    const body = Buffer.from(`<ErrorResponse><Error><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message><Debug>${REAL.secretAccessKey}</Debug></Error></ErrorResponse>`);
    const answer = credentialResponse({ status: 400, headers: { 'content-type': 'text/xml' }, body }, call, standIn);
    expect(answer).toMatchObject({ status: 400, error: 'ExpiredToken' });
    expect(answer.body.toString()).toContain('<Code>ExpiredToken</Code>');
    expect(answer.body.toString()).not.toContain(REAL.secretAccessKey);
  });

  it('withholds a body it cannot read: compressed, or of a shape the model does not describe', () => {
    const body = credentialBody('awsQuery', 'AssumeRole', call.locations, REAL);
    const gzipped = credentialResponse({ status: 200, headers: { 'content-encoding': 'gzip' }, body }, call, standIn);
    expect(gzipped).toMatchObject({ status: 502, error: 'BadGateway' });
    expect(gzipped.body.toString()).toMatch(/withheld the AssumeRole response.*gzip/);
    const odd = credentialResponse({ status: 200, headers: {}, body: Buffer.from(body.toString().replace(/Credentials>/g, 'Creds>')) }, call, standIn);
    expect(odd).toMatchObject({ status: 502, error: 'BadGateway' });
    expect(odd.body.includes(REAL.secretAccessKey)).toBe(false);
  });

  it('answers in the protocol the client speaks', () => {
    const sso: CredentialCall = { protocol: 'restJson1', service: 'sso', operation: 'GetRoleCredentials', method: 'GET', locations: defaultCatalog().service('sso').operations.GetRoleCredentials!.credentials! };
    const answer = credentialResponse({ status: 200, headers: {}, body: Buffer.from('not json') }, sso, standIn);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body.toString())).toMatchObject({ __type: 'BadGateway' });
  });
});

describe('sessionTokenHeaderFor', () => {
  it('is x-amz-s3session-token for S3 Express sessions only', () => {
    expect(sessionTokenHeaderFor('s3', 'CreateSession')).toBe('x-amz-s3session-token');
    expect(sessionTokenHeaderFor('sts', 'AssumeRole')).toBe('x-amz-security-token');
  });
});
