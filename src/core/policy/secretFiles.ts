import { GlobList } from './globList';

/**
 * Files that hold credentials by convention; never used by any model. Matched case-insensitively
 * whatever the file system, because a stricter match is the safe side here.
 */
export const BUILTIN_SECRET_FILE_GLOBS: readonly string[] = [
  '**/.env*',
  '**/*.pem',
  '**/*.key',
  '**/id_rsa*',
  '**/id_dsa*',
  '**/id_ecdsa*',
  '**/id_ed25519*',
  '**/secrets/**',
  '**/*.p12',
  '**/*.pfx',
  '**/*.jks',
  '**/*.keystore',
  '**/*.kdbx',
  '**/.npmrc',
  '**/.pypirc',
  '**/.netrc',
  '**/_netrc',
  '**/.git-credentials',
  '**/.htpasswd',
  '**/credentials.json',
  '**/.aws/credentials',
  '**/.docker/config.json',
  '**/*.tfvars',
  '**/terraform.tfstate*',
];

/** Matches paths against the built-in secret-file globs. */
export function createSecretFileMatcher(): GlobList {
  return new GlobList(BUILTIN_SECRET_FILE_GLOBS, { nocase: true });
}
