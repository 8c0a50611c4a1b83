/** A string field of a command's first argument (tests and keybindings pass `{ instruction: "…" }`). */
export function stringArg(args: unknown, key: string): string | undefined {
  const value = typeof args === 'object' && args !== null ? (args as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}
