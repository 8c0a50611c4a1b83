/** One edit of a document: `length` characters at `offset` replaced by `text`. */
export interface TextEdit {
  offset: number;
  length: number;
  text: string;
}

/**
 * Where an accepted completion's text is now, as the document is edited: edits before it move it,
 * edits touching it widen it to cover them (what is retained is decided by comparing the text
 * later, so a wider span only admits text that was typed into it).
 */
export class TrackedSpan {
  constructor(
    public start: number,
    public end: number,
  ) {}

  apply(edit: TextEdit): void {
    const editEnd = edit.offset + edit.length;
    const delta = edit.text.length - edit.length;
    if (editEnd <= this.start && !(edit.length === 0 && edit.offset === this.start && this.start === this.end)) {
      // Entirely before the span (an insertion exactly at its start is before it too).
      this.start += delta;
      this.end += delta;
    } else if (edit.offset < this.end || (edit.offset === this.end && this.start === this.end)) {
      // Overlaps the span (or lands in an emptied one): the span becomes the union of both.
      this.start = Math.min(this.start, edit.offset);
      this.end = Math.max(this.end, editEnd) + delta;
    }
    // An edit at or after the span's end leaves it alone.
  }
}

/** Longest texts compared; longer ones are cut (the comparison is quadratic). */
export const MAX_RETENTION_COMPARE_CHARS = 4_000;

/**
 * How many characters of `accepted` are still present, in order, in `current`: the length of their
 * longest common subsequence. Characters the user typed in between do not count against it;
 * deleted or replaced ones do.
 */
export function retainedChars(accepted: string, current: string): number {
  const a = accepted.slice(0, MAX_RETENTION_COMPARE_CHARS);
  const b = current.slice(0, MAX_RETENTION_COMPARE_CHARS);
  if (a.length === 0 || b.length === 0) return 0;
  if (b.includes(a)) return a.length;
  // One row of the classic dynamic programme, over the shorter text.
  const [outer, inner] = a.length >= b.length ? [a, b] : [b, a];
  let previous = new Uint16Array(inner.length + 1);
  let row = new Uint16Array(inner.length + 1);
  for (let i = 1; i <= outer.length; i++) {
    const c = outer.charCodeAt(i - 1);
    for (let j = 1; j <= inner.length; j++) {
      row[j] = c === inner.charCodeAt(j - 1) ? previous[j - 1] + 1 : Math.max(previous[j], row[j - 1]);
    }
    [previous, row] = [row, previous];
  }
  return previous[inner.length];
}
