import { parsed, unreadable, type Parsed } from './parsed.js';

/**
 * `application/x-www-form-urlencoded` pairs in order, `+` read as a space, as AWS's query
 * protocol reads a form body. Malformed percent-escapes make the body unreadable rather than
 * being guessed at: a service might read them differently.
 */
export function parseForm(text: string): Parsed<Array<[string, string]>> {
  const pairs: Array<[string, string]> = [];
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeFormComponent(eq === -1 ? part : part.slice(0, eq));
    const value = decodeFormComponent(eq === -1 ? '' : part.slice(eq + 1));
    if (key === undefined || value === undefined) return unreadable(`malformed percent-encoding in "${part.slice(0, 40)}"`);
    pairs.push([key, value]);
  }
  return parsed(pairs);
}

function decodeFormComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
