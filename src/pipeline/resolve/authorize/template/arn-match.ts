import { remember } from './memo.js';
import { isProxyVariable } from './syntax.js';

const arnMatchers = new Map<string, RegExp>();

/**
 * Whether `arn` fits an ARN template: `${Partition}`, `${Region}`, `${Account}` match one ARN field
 * (possibly empty), any other `${…}` at least one character; the rest literally, whole string.
 */
export function arnMatchesTemplate(arn: string, arnTemplate: string): boolean {
  let matcher = arnMatchers.get(arnTemplate);
  if (!matcher) {
    const pattern = arnTemplate
      .split(/(\$\{[^}]*\})/)
      .map((piece, index) => (index % 2 === 0 ? escapeRegex(piece) : arnVariablePattern(piece)))
      .join('');
    matcher = new RegExp(`^${pattern}$`, 's');
    remember(arnMatchers, arnTemplate, matcher);
  }
  return matcher.test(arn);
}

function arnVariablePattern(placeholder: string): string {
  return isProxyVariable(placeholder.slice(2, -1)) ? '[^:]*' : '.+';
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
