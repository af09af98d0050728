import { describe, expect, it } from 'vitest';
import { withDerivedInputs, type CallScope } from '../../../../src/pipeline/resolve/authorize/derived-inputs.js';
import type { InputValue } from '../../../../src/pipeline/resolve/decode/shape-reader.js';

const SCOPE: CallScope = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };
const NO_ACCOUNT: CallScope = { ...SCOPE, accountId: undefined };
type Input = { [member: string]: InputValue };
/** The derived values of a service (`_s3`, `_secretsmanager`, …), undefined when none. */
const derived = (service: string, input: Input, scope: CallScope = SCOPE) => withDerivedInputs(service, input, scope)[`_${service.replace(/-/g, '')}`];

describe('withDerivedInputs', () => {
  it('adds the derived values under _<service without dashes>, keeping the input', () => {
    expect(withDerivedInputs('secrets-manager', { SecretId: 'db' }, SCOPE)).toStrictEqual({
      SecretId: 'db',
      _secretsmanager: { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-??????' },
    });
  });

  it('returns the input itself when nothing can be derived, and for services without derivations', () => {
    const input = { KeyId: 'alias/x' };
    expect(withDerivedInputs('kms', input, SCOPE)).toBe(input);
    const other = { RoleArn: 'x' };
    expect(withDerivedInputs('sts', other, SCOPE)).toBe(other);
    expect(withDerivedInputs('constructor', other, SCOPE)).toBe(other);
    expect(withDerivedInputs('__proto__', other, SCOPE)).toBe(other);
  });
});

describe('S3', () => {
  it('a bucket and key: bucket and object ARNs, in the scope\'s partition', () => {
    expect(derived('s3', { Bucket: 'b', Key: 'a/b c' }, { ...SCOPE, partition: 'aws-cn' })).toStrictEqual({ bucketArn: 'arn:aws-cn:s3:::b', objectArn: 'arn:aws-cn:s3:::b/a/b c' });
  });

  it('an access point ARN as the bucket: access point and access point object ARNs', () => {
    expect(derived('s3', { Bucket: 'arn:aws:s3:us-west-2:111122223333:accesspoint/ap', Key: 'k' })).toStrictEqual({
      accessPointArn: 'arn:aws:s3:us-west-2:111122223333:accesspoint/ap',
      accessPointObjectArn: 'arn:aws:s3:us-west-2:111122223333:accesspoint/ap/object/k',
    });
  });

  it.each([
    ['/src/k', { copySourceObjectArn: 'arn:aws:s3:::src/k' }],
    ['src/dir/k', { copySourceObjectArn: 'arn:aws:s3:::src/dir/k' }],
    ['/src/a%20b%2Fc%3Fd', { copySourceObjectArn: 'arn:aws:s3:::src/a b/c?d' }],
    ['/src/k?versionId=v1', { copySourceObjectArn: 'arn:aws:s3:::src/k', copySourceVersionId: 'v1' }],
    ['/src/k?x=1&versionId=v2', { copySourceObjectArn: 'arn:aws:s3:::src/k', copySourceVersionId: 'v2' }],
    ['/src/k?VersionId=v1', { copySourceObjectArn: 'arn:aws:s3:::src/k' }],
    ['arn:aws:s3:us-west-2:111122223333:accesspoint/ap/object/dir/k', { copySourceAccessPointObjectArn: 'arn:aws:s3:us-west-2:111122223333:accesspoint/ap/object/dir/k' }],
    ['arn%3Aaws%3As3%3Aus-west-2%3A111122223333%3Aaccesspoint%2Fap%2Fobject%2Fk?versionId=3', { copySourceAccessPointObjectArn: 'arn:aws:s3:us-west-2:111122223333:accesspoint/ap/object/k', copySourceVersionId: '3' }],
  ])('copy source %j', (header, expected) => {
    expect(derived('s3', { Bucket: 'dst', CopySource: header })).toStrictEqual({ bucketArn: 'arn:aws:s3:::dst', ...expected });
  });

  it.each([
    ['a bucket without a key', '/src'],
    ['a bucket and an empty key', '/src/'],
    ['an empty bucket', '//src/k'],
    ['a malformed escape', '/src/%zz'],
    ['an access point ARN without an object', 'arn:aws:s3:us-west-2:111122223333:accesspoint/ap'],
    ['an outposts access point', 'arn:aws:s3-outposts:us-west-2:111122223333:outpost/op-1/accesspoint/ap/object/k'],
  ])('a copy source with %s names no source', (_, header) => {
    expect(derived('s3', { Bucket: 'dst', CopySource: header })).toStrictEqual({ bucketArn: 'arn:aws:s3:::dst' });
  });

  // Was questionable: a versionId given twice in the copy source was read as the first; which one S3
  // uses is not known, so the source cannot be named.
  it('a copy source with versionId twice names no source', () => {
    expect(derived('s3', { Bucket: 'dst', CopySource: '/src/k?versionId=1&versionId=2' })).toStrictEqual({ bucketArn: 'arn:aws:s3:::dst' });
  });

  it('DeleteObjects: plain keys and versioned keys apart', () => {
    expect(derived('s3', { Bucket: 'b', Delete: { Objects: [{ Key: 'a' }, { Key: 'v', VersionId: '1' }, { Key: 'c' }] } })).toStrictEqual({
      bucketArn: 'arn:aws:s3:::b',
      deletedObjectArns: ['arn:aws:s3:::b/a', 'arn:aws:s3:::b/c'],
      deletedVersionArns: ['arn:aws:s3:::b/v'],
    });
  });

  it('DeleteObjects through an access point', () => {
    expect(derived('s3', { Bucket: 'arn:aws:s3:us-east-1:123456789012:accesspoint/ap', Delete: { Objects: [{ Key: 'a' }] } })).toStrictEqual({
      accessPointArn: 'arn:aws:s3:us-east-1:123456789012:accesspoint/ap',
      deletedObjectArns: ['arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/a'],
    });
  });

  it('DeleteObjects with one object whose key cannot be read names no objects at all', () => {
    expect(derived('s3', { Bucket: 'b', Delete: { Objects: [{ Key: 'a' }, null, { Key: 'c' }] } })).toStrictEqual({ bucketArn: 'arn:aws:s3:::b' });
    expect(derived('s3', { Bucket: 'b', Delete: { Objects: [{ Key: 'a' }, { VersionId: '1' }] } })).toStrictEqual({ bucketArn: 'arn:aws:s3:::b' });
  });

  it('no bucket: nothing', () => {
    expect(derived('s3', {})).toBeUndefined();
    expect(derived('s3', { Bucket: 5 })).toBeUndefined();
  });
});

describe('SQS', () => {
  it.each([
    ['https://sqs.us-east-1.amazonaws.com/123456789012/q', 'arn:aws:sqs:us-east-1:123456789012:q'],
    ['https://sqs.eu-west-1.amazonaws.com/111122223333/q.fifo', 'arn:aws:sqs:eu-west-1:111122223333:q.fifo'],
    ['https://queue.amazonaws.com/111122223333/legacy', 'arn:aws:sqs:us-east-1:111122223333:legacy'],
    ['https://eu-west-1.queue.amazonaws.com/111122223333/q/', 'arn:aws:sqs:eu-west-1:111122223333:q'],
    ['http://sqs.us-east-1.amazonaws.com/123456789012/Q_1-x', 'arn:aws:sqs:us-east-1:123456789012:Q_1-x'],
  ])('queue URL %s', (url, arn) => {
    expect(derived('sqs', { QueueUrl: url })).toStrictEqual({ queueArn: arn });
  });

  it.each([
    ['an account that is not 12 digits', 'https://sqs.us-east-1.amazonaws.com/1234/q'],
    ['a name with a dot other than .fifo', 'https://sqs.us-east-1.amazonaws.com/123456789012/q.x'],
    ['a query string', 'https://sqs.us-east-1.amazonaws.com/123456789012/q?x=1'],
    ['a name over 80 characters', `https://sqs.us-east-1.amazonaws.com/123456789012/${'a'.repeat(81)}`],
    ['an encoded name', 'https://sqs.us-east-1.amazonaws.com/123456789012/q%2D1'],
    ['more path', 'https://sqs.us-east-1.amazonaws.com/123456789012/q/x'],
    ['no scheme', 'sqs.us-east-1.amazonaws.com/123456789012/q'],
  ])('a queue URL with %s names no queue', (_, url) => {
    expect(derived('sqs', { QueueUrl: url })).toBeUndefined();
  });

  it('a queue name names a queue in the caller\'s account, or the owner\'s given', () => {
    expect(derived('sqs', { QueueName: 'q' })).toStrictEqual({ queueArn: 'arn:aws:sqs:us-east-1:123456789012:q' });
    expect(derived('sqs', { QueueName: 'q', QueueOwnerAWSAccountId: '999988887777' })).toStrictEqual({ queueArn: 'arn:aws:sqs:us-east-1:999988887777:q' });
    expect(derived('sqs', { QueueName: 'q' }, NO_ACCOUNT)).toBeUndefined();
  });

  // Questionable (derived-inputs.ts): any host is accepted in a queue URL, and the queue's region is
  // taken from it rather than from the endpoint the request is sent to.
  it('a queue URL on any host names a queue in the scope\'s region', () => {
    expect(derived('sqs', { QueueUrl: 'https://evil.example/123456789012/q' })).toStrictEqual({ queueArn: 'arn:aws:sqs:us-east-1:123456789012:q' });
  });
});

describe('Lambda', () => {
  it.each([
    [{ FunctionName: 'fn' }, 'arn:aws:lambda:us-east-1:123456789012:function:fn'],
    [{ FunctionName: 'fn:prod' }, 'arn:aws:lambda:us-east-1:123456789012:function:fn:prod'],
    [{ FunctionName: 'fn', Qualifier: '3' }, 'arn:aws:lambda:us-east-1:123456789012:function:fn:3'],
    [{ FunctionName: 'fn:prod', Qualifier: '3' }, 'arn:aws:lambda:us-east-1:123456789012:function:fn:prod'],
    [{ FunctionName: '111122223333:function:fn:$LATEST' }, 'arn:aws:lambda:us-east-1:111122223333:function:fn:$LATEST'],
    [{ FunctionName: 'arn:aws:lambda:eu-west-1:111122223333:function:fn' }, 'arn:aws:lambda:eu-west-1:111122223333:function:fn'],
    [{ FunctionName: 'arn:aws-cn:lambda:cn-north-1:111122223333:function:fn:1' }, 'arn:aws-cn:lambda:cn-north-1:111122223333:function:fn:1'],
  ])('%j', (input, arn) => {
    expect(derived('lambda', input)).toStrictEqual({ functionArn: arn });
  });

  it('a partial ARN or full ARN names its account even when the caller\'s is unknown; a name does not', () => {
    expect(derived('lambda', { FunctionName: '111122223333:function:fn' }, NO_ACCOUNT)).toStrictEqual({ functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:fn' });
    expect(derived('lambda', { FunctionName: 'fn' }, NO_ACCOUNT)).toBeUndefined();
  });

  it.each(['f n', 'fn:1:2', 'arn:aws:lambda:eu-west-1:111122223333:function:fn:1:2', 'arn:aws:lambda:eu-west-1:1111:function:fn', ''])('%j names no function', (name) => {
    expect(derived('lambda', { FunctionName: name })).toBeUndefined();
  });
});

describe('KMS', () => {
  it.each([
    ['1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['mrk-1234abcd12ab34cd56ef1234567890ab', 'arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab'],
    ['arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
  ])('%s', (keyId, arn) => {
    expect(derived('kms', { KeyId: keyId })).toStrictEqual({ keyArn: arn });
  });

  it.each(['alias/my', 'arn:aws:kms:us-east-1:111122223333:alias/my', '1234ABCD-12AB-34CD-56EF-1234567890AB', 'key/1234abcd-12ab-34cd-56ef-1234567890ab'])('%s names no key', (keyId) => {
    expect(derived('kms', { KeyId: keyId })).toBeUndefined();
  });

  it('a key id with the caller\'s account unknown names no key', () => {
    expect(derived('kms', { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }, NO_ACCOUNT)).toBeUndefined();
  });
});

describe('Secrets Manager', () => {
  it('a name stands for its ARN with the random suffix unknown; an ARN names itself', () => {
    expect(derived('secrets-manager', { SecretId: 'prod/db' })).toStrictEqual({ secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????' });
    expect(derived('secrets-manager', { SecretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf' })).toStrictEqual({
      secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf',
    });
  });

  it('CreateSecret\'s Name, when there is no SecretId', () => {
    expect(derived('secrets-manager', { Name: 'new' })).toStrictEqual({ secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:new-??????' });
    expect(derived('secrets-manager', { SecretId: 'a', Name: 'b' })).toStrictEqual({ secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:a-??????' });
  });

  it('a name with characters a secret name cannot have, or an unknown account, names nothing', () => {
    expect(derived('secrets-manager', { SecretId: 'bad name' })).toBeUndefined();
    expect(derived('secrets-manager', { SecretId: 'db' }, NO_ACCOUNT)).toBeUndefined();
  });

  // Questionable (derived-inputs.ts): Secrets Manager accepts a partial ARN (without the -XXXXXX
  // suffix); the proxy takes it as the whole ARN rather than as a name with an unknown suffix.
  it('a partial ARN is taken as complete', () => {
    expect(derived('secrets-manager', { SecretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db' })).toStrictEqual({
      secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db',
    });
  });
});

describe('SSM', () => {
  const parameter = (name: string) => `arn:aws:ssm:us-east-1:123456789012:parameter/${name}`;

  it('names with or without their leading slash, in the caller\'s account', () => {
    expect(derived('ssm', { Name: '/app/db' })).toStrictEqual({ parameterArns: [parameter('app/db')] });
    expect(derived('ssm', { Name: 'plain' })).toStrictEqual({ parameterArns: [parameter('plain')] });
    expect(derived('ssm', { Names: ['/a', 'b'] })).toStrictEqual({ parameterArns: [parameter('a'), parameter('b')] });
  });

  it('GetParametersByPath: the path itself, without its trailing slash', () => {
    expect(derived('ssm', { Path: '/app/' })).toStrictEqual({ parameterArns: [parameter('app')] });
  });

  it('a parameter\'s ARN (one shared from another account) names itself', () => {
    const arn = 'arn:aws:ssm:us-east-1:111122223333:parameter/shared';
    expect(derived('ssm', { Name: arn })).toStrictEqual({ parameterArns: [arn] });
  });

  it('a name that is not text, or an unknown account, names nothing', () => {
    expect(derived('ssm', { Names: ['/a', 5] })).toBeUndefined();
    expect(derived('ssm', { Name: '/a' }, NO_ACCOUNT)).toBeUndefined();
  });

  // Was a bug (derived-inputs.ts): GetParameter reads `name:version` and `name:label` selectors; IAM
  // authorizes the parameter without them.
  it('a version selector is not part of the parameter name', () => {
    expect(derived('ssm', { Name: '/app/db:3' })).toStrictEqual({ parameterArns: [parameter('app/db')] });
  });
});

describe('EC2 resource ids', () => {
  it('each id\'s prefix gives its type; AMIs and snapshots have no account', () => {
    expect(derived('ec2', { Resources: ['i-1', 'vol-1', 'snap-1', 'ami-1', 'tgw-attach-1', 'tgw-rtb-1', 'tgw-1', 'vpce-1', 'vpc-1', 'sgr-1', 'sg-1', 'eipalloc-1'] })).toStrictEqual({
      taggedArns: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-1',
        'arn:aws:ec2:us-east-1:123456789012:volume/vol-1',
        'arn:aws:ec2:us-east-1::snapshot/snap-1',
        'arn:aws:ec2:us-east-1::image/ami-1',
        'arn:aws:ec2:us-east-1:123456789012:transit-gateway-attachment/tgw-attach-1',
        'arn:aws:ec2:us-east-1:123456789012:transit-gateway-route-table/tgw-rtb-1',
        'arn:aws:ec2:us-east-1:123456789012:transit-gateway/tgw-1',
        'arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/vpce-1',
        'arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1',
        'arn:aws:ec2:us-east-1:123456789012:security-group-rule/sgr-1',
        'arn:aws:ec2:us-east-1:123456789012:security-group/sg-1',
        'arn:aws:ec2:us-east-1:123456789012:elastic-ip/eipalloc-1',
      ],
    });
  });

  it('one id of an unknown type (or any case but lower) names none of them', () => {
    expect(derived('ec2', { Resources: ['i-1', 'unknown-1'] })).toBeUndefined();
    expect(derived('ec2', { Resources: ['I-1'] })).toBeUndefined();
  });

  it('without the caller\'s account only account-less ARNs can be named', () => {
    expect(derived('ec2', { Resources: ['snap-1'] }, NO_ACCOUNT)).toStrictEqual({ taggedArns: ['arn:aws:ec2:us-east-1::snapshot/snap-1'] });
    expect(derived('ec2', { Resources: ['snap-1', 'i-1'] }, NO_ACCOUNT)).toBeUndefined();
  });

  it('an empty list names nothing', () => {
    expect(derived('ec2', { Resources: [] })).toBeUndefined();
  });
});

describe('Bedrock model ids', () => {
  it.each([
    ['anthropic.claude-3-sonnet-20240229-v1:0', 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0'],
    ['us.anthropic.claude-3-sonnet-20240229-v1:0', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-sonnet-20240229-v1:0'],
    ['eu.meta.llama3', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.meta.llama3'],
    ['global.anthropic.claude', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude'],
    ['us-gov.anthropic.claude', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us-gov.anthropic.claude'],
    ['arn:aws:bedrock:us-west-2:111122223333:provisioned-model/abc', 'arn:aws:bedrock:us-west-2:111122223333:provisioned-model/abc'],
    ['arn:aws:bedrock:us-west-2:111122223333:application-inference-profile/p', 'arn:aws:bedrock:us-west-2:111122223333:application-inference-profile/p'],
  ])('%s', (modelId, arn) => {
    expect(derived('bedrock-runtime', { modelId })).toStrictEqual({ modelArn: arn });
  });

  it('an id with other characters, or a profile id with the account unknown, names nothing', () => {
    expect(derived('bedrock-runtime', { modelId: 'a/b' })).toBeUndefined();
    expect(derived('bedrock-runtime', { modelId: 'us.anthropic.claude' }, NO_ACCOUNT)).toBeUndefined();
    expect(derived('bedrock-runtime', { modelId: 'anthropic.claude' }, NO_ACCOUNT)).toStrictEqual({ modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude' });
  });
});

describe('DynamoDB: batch tables and PartiQL', () => {
  it('the tables of RequestItems', () => {
    expect(derived('dynamodb', { RequestItems: { a: [], 'b.c': [] } })).toStrictEqual({ tables: ['a', 'b.c'] });
    expect(derived('dynamodb', { RequestItems: [] })).toBeUndefined();
  });

  it.each([
    ['SELECT * FROM t', { partiqlSelect: ['t'] }],
    ['select a, b from "T" where k = 1', { partiqlSelect: ['T'] }],
    ['SELECT\n*\nFROM\nt', { partiqlSelect: ['t'] }],
    ['EXISTS(SELECT * FROM t WHERE k = 1)', { partiqlSelect: ['t'] }],
    ['SELECT * FROM t.idx', { partiqlSelect: ['t'] }],
    ['SELECT * FROM "t"."idx"', { partiqlSelect: ['t'] }],
    ['SELECT * FROM "a""b"', { partiqlSelect: ['a"b'] }],
    ['  INSERT INTO t VALUE {\'k\': 1}', { partiqlInsert: ['t'] }],
    ['UPDATE "t" SET a = 1', { partiqlUpdate: ['t'] }],
    ['DELETE FROM t WHERE k = 1', { partiqlDelete: ['t'] }],
  ])('%j', (statement, expected) => {
    expect(derived('dynamodb', { Statement: statement })).toStrictEqual(expected);
  });

  it('a statement that merely contains a verb is read by its own verb', () => {
    expect(derived('dynamodb', { Statement: "SELECT * FROM t WHERE a = 'DELETE FROM x'" })).toStrictEqual({ partiqlSelect: ['t'] });
    expect(derived('dynamodb', { Statement: "UPDATE t SET a = 'SELECT * FROM x'" })).toStrictEqual({ partiqlUpdate: ['t'] });
    expect(derived('dynamodb', { Statement: 'DELETE FROM t WHERE "FROM" = 1' })).toStrictEqual({ partiqlDelete: ['t'] });
  });

  it('a quoted table right after FROM, without a space, is the table', () => {
    expect(derived('dynamodb', { Statement: 'SELECT * FROM"t"' })).toStrictEqual({ partiqlSelect: ['t'] });
  });

  it.each(['/* c */ SELECT * FROM t', 'SELECT * FROM', 'SELECT * FROM ""', 'REPLACE INTO t', 'WITH x AS (SELECT 1) SELECT * FROM t', 'SELECT * FROM "open'])('%j is unparsed', (statement) => {
    expect(derived('dynamodb', { Statement: statement })).toStrictEqual({ partiqlUnparsed: '1' });
  });

  it('batches and transactions: every statement; one that is not text is unparsed', () => {
    expect(derived('dynamodb', { Statements: [{ Statement: 'SELECT * FROM a' }, { Statement: 'DELETE FROM b' }, null, { Statement: 5 }, { Statement: 'SELECT * FROM c' }] })).toStrictEqual({
      partiqlSelect: ['a', 'c'],
      partiqlDelete: ['b'],
      partiqlUnparsed: '1',
    });
    expect(derived('dynamodb', { TransactStatements: [{ Statement: 'UPDATE a SET x = 1' }, { Statement: 'INSERT INTO b VALUE {}' }] })).toStrictEqual({ partiqlUpdate: ['a'], partiqlInsert: ['b'] });
  });

  // Was a bug (derived-inputs.ts): the SELECT pattern takes the first "FROM <name>" anywhere after SELECT,
  // including inside a quoted attribute name in the projection, so the proxy authorizes
  // dynamodb:PartiQLSelect on "decoy" while DynamoDB reads table "real".
  it('a quoted projection that contains FROM does not name the table', () => {
    expect(derived('dynamodb', { Statement: 'SELECT "x FROM decoy" FROM "real"' })).toStrictEqual({ partiqlSelect: ['real'] });
  });

  // Was a bug (derived-inputs.ts): a quoted table name may contain dots (table names allow them); splitting
  // on "." to drop an index also cuts the quoted name: "my.table" is read as table "my".
  it('a quoted table name with a dot is the whole name', () => {
    expect(derived('dynamodb', { Statement: 'SELECT * FROM "my.table"' })).toStrictEqual({ partiqlSelect: ['my.table'] });
  });
});
