/**
 * The verb and table of a DynamoDB PartiQL statement, read token by token as DynamoDB reads it:
 * a `FROM` inside a quoted identifier or a string literal is not the statement's. No PartiQL
 * parser for JavaScript is published; this reads only the statement's head.
 */
export type PartiqlVerb = 'select' | 'insert' | 'update' | 'delete';

type Token = { kind: 'word'; text: string } | { kind: 'quoted'; text: string } | { kind: 'string' } | { kind: 'punct'; text: string };

const MAX_TOKENS = 10_000;

export function partiqlTarget(statement: string): { verb: PartiqlVerb; table: string } | undefined {
  const tokens = tokenize(statement);
  if (!tokens) return undefined;
  const word = (i: number) => (tokens[i]?.kind === 'word' ? (tokens[i] as { text: string }).text.toUpperCase() : undefined);
  const tableAt = (i: number) => identifier(tokens[i]);
  switch (word(0)) {
    case 'SELECT':
      return fromTable(tokens, 1, 'select');
    case 'EXISTS':
      return tokens[1]?.kind === 'punct' && tokens[1].text === '(' && word(2) === 'SELECT' ? fromTable(tokens, 3, 'select') : undefined;
    case 'INSERT':
      return word(1) === 'INTO' && tableAt(2) ? { verb: 'insert', table: tableAt(2)! } : undefined;
    case 'UPDATE':
      return tableAt(1) ? { verb: 'update', table: tableAt(1)! } : undefined;
    case 'DELETE':
      return word(1) === 'FROM' && tableAt(2) ? { verb: 'delete', table: tableAt(2)! } : undefined;
    default:
      return undefined;
  }
}

/** The first FROM outside quotes after the projection, and the table after it (`"t"."index"` → `t`). */
function fromTable(tokens: Token[], start: number, verb: PartiqlVerb): { verb: PartiqlVerb; table: string } | undefined {
  const at = tokens.findIndex((t, i) => i >= start && t.kind === 'word' && t.text.toUpperCase() === 'FROM');
  const table = at === -1 ? undefined : identifier(tokens[at + 1]);
  return table ? { verb, table } : undefined;
}

function identifier(token: Token | undefined): string | undefined {
  if (token?.kind === 'quoted') return token.text;
  return token?.kind === 'word' && /^[A-Za-z0-9_.-]+$/.test(token.text) ? token.text.split('.')[0] : undefined;
}

/** Words, "quoted identifiers" ("" escapes a quote), 'strings' ('' escapes), punctuation; undefined if a quote is left open. */
function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  for (let i = 0; i < text.length && tokens.length < MAX_TOKENS; ) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) return undefined;
        if (text[j] === c && text[j + 1] === c) (value += c), (j += 2);
        else if (text[j] === c) break;
        else value += text[j++];
      }
      tokens.push(c === '"' ? { kind: 'quoted', text: value } : { kind: 'string' });
      i = j + 1;
    } else if (/[A-Za-z0-9_.-]/.test(c)) {
      const word = /^[A-Za-z0-9_.-]+/.exec(text.slice(i))![0];
      tokens.push({ kind: 'word', text: word });
      i += word.length;
    } else {
      tokens.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return tokens;
}
