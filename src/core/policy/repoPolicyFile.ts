import type { PolicyMode } from './policyTypes';

/** The validated content of `.tandem/policy.json`. */
export interface RepoPolicy {
  readonly mode?: PolicyMode;
  readonly localOnly: readonly string[];
  readonly exclude: readonly string[];
  /** Undefined when the file does not narrow the hosts; an empty list allows none. */
  readonly allowCloudHosts?: readonly string[];
}

/** Why a policy file was rejected; `message` names the file, the field and what is wrong. */
export class PolicyFileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    readonly problem: string,
  ) {
    super(field === undefined ? `${file}: ${problem}` : `${file}: field "${field}" ${problem}`);
    this.name = 'PolicyFileError';
  }

  static is(value: unknown): value is PolicyFileError {
    return value instanceof PolicyFileError;
  }
}

/** Must agree with `allowCloudHosts.items.pattern` in schemas/policy.schema.json (a test checks). */
export const HOST_PATTERN = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

const MODES: readonly PolicyMode[] = ['hybrid', 'local-only'];
/** Must agree with the schema's `properties` (a test checks). */
export const REPO_POLICY_KEYS = ['$schema', 'mode', 'localOnly', 'exclude', 'allowCloudHosts'] as const;

/**
 * Parses and validates the text of a repository policy file.
 * @param file display path used in error messages, e.g. `api/.tandem/policy.json`
 * @throws PolicyFileError when the text is not JSON or breaks the schema
 */
export function parseRepoPolicy(text: string, file: string): RepoPolicy {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new PolicyFileError(file, undefined, `is not valid JSON (${jsonErrorLocation(text, error as Error)})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new PolicyFileError(file, undefined, `must contain a JSON object, found ${describe(data)}`);
  }
  const record = data as Record<string, unknown>;
  const unknownKeys = Object.keys(record).filter((key) => !(REPO_POLICY_KEYS as readonly string[]).includes(key));
  if (unknownKeys.length > 0) {
    throw new PolicyFileError(
      file,
      unknownKeys[0],
      `is not a known setting (allowed: ${REPO_POLICY_KEYS.filter((k) => k !== '$schema').join(', ')})`,
    );
  }
  if (record.$schema !== undefined && typeof record.$schema !== 'string') {
    throw new PolicyFileError(file, '$schema', `must be a string, found ${describe(record.$schema)}`);
  }
  const mode = record.mode;
  if (mode !== undefined && !MODES.includes(mode as PolicyMode)) {
    throw new PolicyFileError(file, 'mode', `must be "hybrid" or "local-only", found ${describe(mode)}`);
  }
  const allowCloudHosts = stringList(record, 'allowCloudHosts', file);
  const badHost = allowCloudHosts?.find((host) => !HOST_PATTERN.test(host));
  if (badHost !== undefined) {
    throw new PolicyFileError(
      file,
      'allowCloudHosts',
      `contains ${JSON.stringify(badHost)}, which is not a host name (e.g. "api.openai.com" or "*.example.com")`,
    );
  }
  return {
    mode: mode as PolicyMode | undefined,
    localOnly: stringList(record, 'localOnly', file) ?? [],
    exclude: stringList(record, 'exclude', file) ?? [],
    allowCloudHosts,
  };
}

function stringList(record: Record<string, unknown>, field: string, file: string): string[] | undefined {
  const value = record[field];
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    throw new PolicyFileError(file, field, `must be an array of strings, found ${describe(value)}`);
  }
  value.forEach((item, index) => {
    if (typeof item !== 'string' || item.length === 0) {
      throw new PolicyFileError(file, `${field}[${index}]`, `must be a non-empty string, found ${describe(item)}`);
    }
  });
  return value as string[];
}

/**
 * Where JSON.parse gave up, without the text around it: V8's messages quote the file's content
 * (`Unexpected token 's', "{"key": s"... is not valid JSON`), and this message reaches the log,
 * the status bar and the audit log, which must never carry content.
 */
function jsonErrorLocation(text: string, error: Error): string {
  const position = /\bat position (\d+)/.exec(error.message);
  if (position !== null) {
    const before = text.slice(0, Number(position[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return `syntax error at line ${line}, column ${column}`;
  }
  return /end of JSON input/.test(error.message) ? 'the text ends too early' : 'unexpected character';
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (typeof value === 'string') {
    return value.length === 0 ? 'an empty string' : `the string ${JSON.stringify(value)}`;
  }
  if (typeof value === 'object') {
    return 'an object';
  }
  return `${typeof value} ${String(value)}`;
}
