import type { PolicyDocument, PolicyStatement } from '../types.js';

/**
 * The policy as a Terraform `data "aws_iam_policy_document"` block, one `statement` block per
 * statement, laid out as `terraform fmt` would. Strings are escaped for HCL: `${` and `%{`
 * would start an interpolation or directive, so they are written `$${` and `%%{`.
 */
export function terraformDataSource(label: string, document: PolicyDocument): string {
  const statements = ([] as PolicyStatement[]).concat(document.Statement).map((s) => {
    const attributes: Array<[string, string]> = [
      ...(s.Sid ? [['sid', hclString(s.Sid)] as [string, string]] : []),
      ['effect', hclString(s.Effect)],
      ['actions', hclList(s.Action)],
      ['resources', hclList(s.Resource)],
    ];
    const width = Math.max(...attributes.map(([name]) => name.length));
    return ['  statement {', ...attributes.map(([name, value]) => `    ${name.padEnd(width)} = ${value}`), '  }'].join('\n');
  });
  return `data "aws_iam_policy_document" "${label}" {\n${statements.join('\n\n')}\n}\n`;
}

/** A Terraform name: letters, digits, `_` and `-`, starting with a letter or `_`. */
export function terraformLabel(name: string): string {
  const label = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[a-z_]/.test(label) ? label : `policy_${label}`;
}

function hclList(value: string | string[] | undefined): string {
  return `[${([] as string[]).concat(value ?? []).map(hclString).join(', ')}]`;
}

const HCL_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function hclString(text: string): string {
  const escaped = text
    .replace(/["\\\n\r\t]/g, (c) => HCL_ESCAPES[c]!)
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/([$%])\{/g, '$1$1{');
  return `"${escaped}"`;
}
