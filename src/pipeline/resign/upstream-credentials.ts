import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@smithy/types';

export interface CredentialSource {
  /** Real credentials, refreshed before they expire; throws NoCredentialsError when there are none. */
  get(): Promise<AwsCredentialIdentity>;
}

class NoCredentialsError extends Error {}

/** After a failed lookup, requests within this window fail fast instead of re-walking the chain. */
const FAILURE_BACKOFF_MS = 5_000;

/**
 * The standard AWS chain (env, SSO, profiles, process, web identity, ECS/EC2), honouring AWS_PROFILE.
 * fromNodeProviderChain memoises and refreshes in the background within 5 minutes of expiry.
 */
export function standardCredentialSource(profile: string | undefined): CredentialSource {
  const provider = fromNodeProviderChain(profile ? { profile } : {});
  let failure: { at: number; error: NoCredentialsError } | undefined;
  return {
    async get() {
      if (failure && Date.now() - failure.at < FAILURE_BACKOFF_MS) throw failure.error;
      try {
        const credentials = await provider();
        failure = undefined;
        return credentials;
      } catch (error) {
        const where = profile ? `AWS_PROFILE=${profile}` : 'the default AWS credential chain (AWS_PROFILE is not set)';
        const reason = (error as Error).message?.split('\n')[0] ?? String(error);
        failure = {
          at: Date.now(),
          error: new NoCredentialsError(`iam-agent-proxy has no real AWS credentials to re-sign with from ${where}: ${reason}. Start the proxy with AWS_PROFILE=<a profile that works with "aws sts get-caller-identity">.`),
        };
        throw failure.error;
      }
    },
  };
}
