/** A body read in some wire format: the document, or why it could not be read. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const parsed = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const unreadable = (error: string): Parsed<never> => ({ ok: false, error });
