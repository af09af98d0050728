import type { PolicyDocument } from '../types.js';

/**
 * A CloudFormation template (YAML) with one `AWS::IAM::ManagedPolicy` per policy, by logical id.
 * Every string is written double-quoted with JSON's escapes, which YAML reads the same way, so
 * no value can turn into a number, a boolean, a tag or YAML syntax.
 */
export function cloudFormationTemplate(policies: Array<{ logicalId: string; description: string; document: PolicyDocument }>): string {
  const resources = Object.fromEntries(
    policies.map(({ logicalId, description, document }) => [logicalId, { Type: 'AWS::IAM::ManagedPolicy', Properties: { Description: description, PolicyDocument: document } }]),
  );
  const template = JSON.parse(JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources })) as Json;
  return `${yamlBlock(template, 0).join('\n')}\n`;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function yamlBlock(value: Json, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (!isCollection(item)) return [`${pad}- ${JSON.stringify(item)}`];
      const [first = '', ...rest] = yamlBlock(item, indent + 2);
      return [`${pad}- ${first.slice(indent + 2)}`, ...rest];
    });
  }
  if (value === null || typeof value !== 'object') return [`${pad}${JSON.stringify(value)}`];
  return Object.entries(value).flatMap(([key, inner]) => {
    const name = /^[A-Za-z][A-Za-z0-9]*$/.test(key) ? key : JSON.stringify(key);
    return isCollection(inner) ? [`${pad}${name}:`, ...yamlBlock(inner, indent + 2)] : [`${pad}${name}: ${JSON.stringify(inner)}`];
  });
}

/** A non-empty list or map: written as a block; empty ones as `[]` and `{}`. */
function isCollection(value: Json): boolean {
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}
