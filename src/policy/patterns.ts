/** An IAM name pattern (`s3:Get*`, `ec2:Describe?nstances`) as a regular expression: `*` and `?` wildcards, any case. */
export function iamPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
}
