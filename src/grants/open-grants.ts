import type { Config } from '../config.js';
import type { RealIdentity } from '../pipeline/decide/global-context.js';
import { grantRecord, type GrantRecord } from '../pipeline/log/grant-record.js';
import type { ActionLog } from '../pipeline/log/log-writer.js';
import type { PolicySet } from '../policy/types.js';
import { AccessService, assessor } from './access-service.js';
import { autoApproval } from './auto-approve.js';
import { loadGrants, saveGrants } from './grant-file.js';
import { GrantStore } from './grant-store.js';
import { detectionSignals } from './signals.js';
import type { GrantSettings } from './types.js';

export interface GrantsWiring {
  /** The real identity, once discovered: evaluations name it as the decider does. */
  identity(): RealIdentity | undefined;
  log: Pick<ActionLog, 'write'>;
  /** Shows a grant record on the console: its line in the log, or undefined when it could not be written. */
  show(record: GrantRecord, line: string | undefined): void;
  notice(message: string): void;
}

/** The grant store (grants.json) and the agent-facing service over it. */
export function openGrants(config: Config, settings: GrantSettings, policies: PolicySet, wiring: GrantsWiring): { store: GrantStore; access: AccessService } {
  const principal = { identity: wiring.identity };
  const store = new GrantStore({
    settings,
    saved: loadGrants(config.grantsPath),
    save: (grants) => saveGrants(config.grantsPath, grants, Date.now()),
    assess: assessor(policies, principal, () => settings.maxDurationSeconds),
    signals: (input) => detectionSignals({ ...input, now: Date.now(), maxDurationSeconds: settings.maxDurationSeconds }),
    autoApproval: (agent, request, assessment) => {
      const approval = autoApproval(settings.autoApprove, { agent, request, accessLevels: assessment.accessLevels, risk: assessment.risk });
      return approval.rule?.name;
    },
    onEvent: (event, grant) => {
      const record = grantRecord(event, grant, new Date());
      wiring.show(record, wiring.log.write(record));
    },
    onPending: (grant) => wiring.notice(`grant ${grant.id} for ${grant.agent} awaits a decision: iam-agent-proxy approve ${grant.id} [--ttl 30m], or iam-agent-proxy deny ${grant.id} --reason "..."`),
  });
  return { store, access: new AccessService(store, policies, principal) };
}
