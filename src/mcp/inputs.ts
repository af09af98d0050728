import { z } from 'zod';
import { parseDuration } from '../grants/duration.js';
import { GRANT_ID, IAM_ACTION, INPUT_LIMITS as LIMITS, PRINTABLE, REGION } from '../grants/request-input.js';

/**
 * The tools' input schemas. The bounds are those the proxy holds on an agent's channel, so a bad
 * input is refused here with a message the agent can act on before anything is sent. Every object is
 * strict: a field the tool does not define (an `agent`, say) is refused, never passed on.
 */

const action = z
  .string()
  .max(LIMITS.actionChars)
  .regex(IAM_ACTION, 'an IAM action is service:Action, e.g. s3:GetObject (wildcards * and ? allowed)');
const resource = z
  .string()
  .max(LIMITS.resourceChars)
  .regex(/^(?:\*|arn:[^\s\u0000-\u001f\u007f-\u009f]+)$/, 'a resource is an ARN (arn:aws:s3:::bucket/key) or *');

const actions = z.array(action).min(1).max(LIMITS.items).describe('IAM actions, e.g. ["s3:GetObject", "s3:ListBucket"]');
const resources = z.array(resource).min(1).max(LIMITS.items).describe('Resource ARNs, e.g. ["arn:aws:s3:::my-bucket/reports/*"], or ["*"]');

const grantId = z
  .string()
  .regex(GRANT_ID, 'a grant id is g- and 16 hex digits, as request_access returned it')
  .describe('The grant id request_access returned, e.g. g-0123456789abcdef');

export const describeScopeInput = z.strictObject({});

export const previewInput = z.strictObject({
  actions,
  resources,
  region: z
    .string()
    .regex(REGION, 'a region is like us-east-1')
    .optional()
    .describe('The AWS region of the calls, e.g. us-east-1 (default: the resource ARN\'s or any)'),
});

export const requestAccessInput = z.strictObject({
  actions,
  resources,
  duration: z
    .union([z.number(), z.string()])
    .transform((value, context) => {
      try {
        return parseDuration(value, 'duration');
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .describe('How long the access is needed: seconds (1800) or "30m", "1h"; ask for no longer than the task takes'),
  reason: z
    .string()
    .trim()
    .min(1, 'say what the access is for, in a sentence the approver will read')
    .max(LIMITS.reasonChars)
    .regex(PRINTABLE, 'the reason must be printable text on one line')
    .describe('Why the task needs this access, in a sentence a person approving it will read'),
  ticket: z.string().trim().min(1).max(LIMITS.ticketChars).regex(PRINTABLE, 'the ticket must be printable text').optional().describe('A ticket or issue reference, if there is one'),
});

export const grantIdInput = z.strictObject({ id: grantId });
