import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../package-root.js';
import type { CatalogIndex, ServiceModel } from './model.js';

/**
 * The generated service catalog. The index (hosts, signing names, protocols) is read once; a
 * service's model on the first request for it, so memory holds only the services in use.
 * The data lives in src/services/data/ and is read from there by the compiled code too.
 */
export class ServiceCatalog {
  private readonly models = new Map<string, ServiceModel>();

  constructor(
    readonly index: CatalogIndex,
    private readonly readModel: (id: string) => ServiceModel,
  ) {}

  static fromDirectory(dataDir: URL): ServiceCatalog {
    const index = JSON.parse(readFileSync(new URL('index.json', dataDir), 'utf8')) as CatalogIndex;
    return new ServiceCatalog(index, (id) => JSON.parse(readFileSync(new URL(`services/${id}.json`, dataDir), 'utf8')) as ServiceModel);
  }

  /** The model of a service in the index; throws for an id the index does not list. */
  service(id: string): ServiceModel {
    let model = this.models.get(id);
    if (!model) {
      if (!Object.hasOwn(this.index.services, id)) throw new Error(`no service "${id}" in the catalog`);
      model = this.readModel(id);
      this.models.set(id, model);
    }
    return model;
  }

  /** Host name suffixes of the partitions the catalog covers: the AWS API hosts to intercept. */
  hostSuffixes(): string[] {
    return [...new Set(this.index.partitions.flatMap((p) => [p.dnsSuffix, p.dualStackDnsSuffix]))];
  }
}

let shared: ServiceCatalog | undefined;

/** The catalog shipped with the package. */
export function defaultCatalog(): ServiceCatalog {
  shared ??= ServiceCatalog.fromDirectory(new URL('src/services/data/', PACKAGE_ROOT));
  return shared;
}
