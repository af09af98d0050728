import type { ActionRecord } from '../../pipeline/log/action-log.js';
import type { RequestContext, ResourceRef } from '../../pipeline/resolve/types.js';

/** One action a call needed, on one resource (none for actions with no resource type), with the condition keys it was asked with. */
export interface Need {
  action: string;
  resource?: ResourceRef;
  context: RequestContext;
}

export interface Activity {
  needs: Need[];
  /** Actions AWS does not define (logged `known: false`): no policy can allow them. */
  unknownActions: string[];
}

/** Every (action, resource) the records show, with each call's context; unknown actions apart. */
export function activityOf(records: ActionRecord[]): Activity {
  const needs: Need[] = [];
  const unknown = new Set<string>();
  for (const record of records) {
    for (const authorization of record.authorizations) {
      if (!authorization.known) {
        unknown.add(authorization.action);
        continue;
      }
      const context: RequestContext = { ...record.context, ...authorization.context };
      if (authorization.resources.length === 0) needs.push({ action: authorization.action, context });
      for (const resource of authorization.resources) needs.push({ action: authorization.action, resource, context });
    }
  }
  return { needs, unknownActions: [...unknown].sort() };
}
