/**
 * High-precision secret detectors applied to everything bound for a cloud model. Modelled on the
 * gitleaks rule shape (id, keyword pre-filter, regex, entropy floor); every rule has a true- and a
 * false-positive example in test/unit/egress/secrets.test.ts.
 */
export interface SecretRule {
  /** Appears in `[REDACTED:<id>]` and in audit entries. */
  readonly id: string;
  readonly description: string;
  /** Lower-case substrings; the regex only runs on text containing one of them. */
  readonly keywords: readonly string[];
  /**
   * The detector. A named group `secret` marks what is replaced (the rest of the match stays, e.g.
   * the variable name); without it the whole match is replaced. Flags `g` and `d` are added when compiled.
   */
  readonly pattern: RegExp;
  /** Minimum Shannon entropy (bits per character) of the secret; filters placeholders and repetition. */
  readonly minEntropy?: number;
  /** Rule-specific filter: true when the captured text is code or a reference, not a secret. */
  readonly notASecret?: (secret: string, quoted: boolean) => boolean;
}

/** Token boundaries: the characters that may appear inside the token formats below. */
const START = '(?<![A-Za-z0-9_-])';
const END = '(?![A-Za-z0-9_-])';

function token(body: string, flags = ''): RegExp {
  return new RegExp(`${START}(?<secret>${body})${END}`, flags);
}

/** `scheme://user:password@host`; the password is the secret. */
function credentialUrl(schemes: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9+.-])(?:${schemes})://[^\\s:/@'"\`]*:(?<secret>[^\\s@/'"\`]+)@[A-Za-z0-9.[\\]_-]+`, 'i');
}

function connectionString(id: string, database: string, schemes: string, keywords: readonly string[]): SecretRule {
  return {
    id,
    description: `${database} connection string with a password`,
    keywords,
    pattern: credentialUrl(schemes),
  };
}

/** Code that merely names a value: identifiers, member access, calls, numbers. */
function looksLikeCode(secret: string, quoted: boolean): boolean {
  if (/^\d+$/.test(secret)) {
    return true;
  }
  return !quoted && (/^[A-Za-z_$]+$/.test(secret) || /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(secret) || /[()]/.test(secret));
}

export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'gcp-service-account-key',
    description: 'Google Cloud service account private key inside a JSON key file (before private-key, which would claim it)',
    keywords: ['private_key'],
    pattern: /"private_key"\s*:\s*"(?<secret>-----BEGIN [A-Z ]*PRIVATE KEY-----[^"]{40,}?-----END [A-Z ]*PRIVATE KEY-----(?:\\n)?)"/,
  },
  {
    id: 'private-key',
    description: 'PEM private key block (RSA, EC, DSA, OpenSSH, PKCS#8, PGP); a truncated block is redacted to the end',
    keywords: ['private key'],
    pattern:
      /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?=[A-Za-z0-9+/=\s\\:,-]{0,300}?[A-Za-z0-9+/]{40})[A-Za-z0-9+/=\s\\:,-]{40,}?(?:-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----|$)/,
  },
  {
    id: 'aws-access-key-id',
    description: 'AWS access key id',
    keywords: ['akia', 'asia', 'abia', 'acca'],
    pattern: token('(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}'),
  },
  {
    id: 'aws-secret-access-key',
    description: 'AWS secret access key assigned to an aws...secret name',
    keywords: ['aws'],
    pattern:
      /aws[A-Za-z0-9_.-]{0,20}secret[A-Za-z0-9_.-]{0,20}["']?\s*(?:=|:=|:|=>)\s*["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/i,
    minEntropy: 3.5,
  },
  {
    id: 'gcp-api-key',
    description: 'Google API key',
    keywords: ['aiza'],
    pattern: token('AIza[0-9A-Za-z_-]{35}'),
  },
  {
    id: 'google-oauth-client-secret',
    description: 'Google OAuth client secret',
    keywords: ['gocspx-'],
    pattern: token('GOCSPX-[0-9A-Za-z_-]{28}'),
  },
  {
    id: 'google-oauth-access-token',
    description: 'Google OAuth access token',
    keywords: ['ya29.'],
    pattern: token('ya29\\.[0-9A-Za-z_-]{30,}'),
    minEntropy: 3.5,
  },
  {
    id: 'azure-storage-account-key',
    description: 'Azure storage account key in a connection string',
    keywords: ['accountkey='],
    pattern: /AccountKey=(?<secret>[A-Za-z0-9+/]{86}==)/i,
  },
  {
    id: 'azure-shared-access-key',
    description: 'Azure Service Bus / Event Hubs shared access key in a connection string',
    keywords: ['sharedaccesskey='],
    pattern: /SharedAccessKey=(?<secret>[A-Za-z0-9+/]{42,43}=)/i,
  },
  {
    id: 'github-pat',
    description: 'GitHub personal access token (classic)',
    keywords: ['ghp_'],
    pattern: token('ghp_[0-9A-Za-z]{36}'),
  },
  {
    id: 'github-oauth-token',
    description: 'GitHub OAuth access token',
    keywords: ['gho_'],
    pattern: token('gho_[0-9A-Za-z]{36}'),
  },
  {
    id: 'github-app-token',
    description: 'GitHub App user-to-server or server-to-server token',
    keywords: ['ghu_', 'ghs_'],
    pattern: token('(?:ghu|ghs)_[0-9A-Za-z]{36}'),
  },
  {
    id: 'github-refresh-token',
    description: 'GitHub refresh token',
    keywords: ['ghr_'],
    pattern: token('ghr_[0-9A-Za-z]{36,76}'),
  },
  {
    id: 'github-fine-grained-pat',
    description: 'GitHub fine-grained personal access token',
    keywords: ['github_pat_'],
    pattern: token('github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59}'),
  },
  {
    id: 'gitlab-pat',
    description: 'GitLab personal access token',
    keywords: ['glpat-'],
    pattern: token('glpat-[0-9A-Za-z_-]{20,64}'),
    minEntropy: 3,
  },
  {
    id: 'slack-token',
    description: 'Slack bot, user, app or configuration token',
    keywords: ['xox'],
    pattern: token('xox[abposr]-[0-9]{6,}-[0-9A-Za-z-]{8,}'),
  },
  {
    id: 'slack-webhook-url',
    description: 'Slack incoming webhook URL',
    keywords: ['hooks.slack.com'],
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<secret>[A-Za-z0-9+/_-]{30,})/,
  },
  {
    id: 'stripe-secret-key',
    description: 'Stripe live secret or restricted key',
    keywords: ['sk_live_', 'rk_live_'],
    pattern: token('(?:sk|rk)_live_[0-9A-Za-z]{24,99}'),
  },
  {
    id: 'anthropic-api-key',
    description: 'Anthropic API or admin key',
    keywords: ['sk-ant-'],
    pattern: token('sk-ant-(?:api|admin)\\d{2}-[A-Za-z0-9_-]{80,}'),
  },
  {
    id: 'openai-api-key',
    description: 'OpenAI API key (legacy, project or service account) with the T3BlbkFJ marker',
    keywords: ['t3blbkfj'],
    pattern: token('sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}'),
  },
  {
    id: 'openai-project-key',
    description: 'OpenAI project, service account or admin key without the marker',
    keywords: ['sk-proj-', 'sk-svcacct-', 'sk-admin-'],
    pattern: token('sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{58,}'),
    minEntropy: 3.5,
  },
  {
    id: 'npm-access-token',
    description: 'npm access token',
    keywords: ['npm_'],
    pattern: token('npm_[A-Za-z0-9]{36}'),
    minEntropy: 3,
  },
  {
    id: 'pypi-upload-token',
    description: 'PyPI upload token',
    keywords: ['pypi-ageichlwas5vcmc'],
    pattern: token('pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}'),
  },
  {
    id: 'jwt',
    description: 'JSON Web Token (header, payload and signature)',
    keywords: ['eyj'],
    pattern: token('eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}'),
  },
  {
    id: 'twilio-api-key',
    description: 'Twilio API key sid',
    keywords: ['sk'],
    pattern: token('SK[0-9a-fA-F]{32}'),
    minEntropy: 3,
  },
  {
    id: 'sendgrid-api-key',
    description: 'SendGrid API key',
    keywords: ['sg.'],
    pattern: token('SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}'),
  },
  {
    id: 'mailgun-api-key',
    description: 'Mailgun API key',
    keywords: ['key-'],
    pattern: token('key-[0-9a-z]{32}'),
    minEntropy: 3.5,
  },
  {
    id: 'huggingface-token',
    description: 'Hugging Face access token',
    keywords: ['hf_'],
    pattern: token('hf_[A-Za-z]{34}'),
    minEntropy: 3.5,
  },
  connectionString('postgres-connection-string', 'PostgreSQL', 'postgres(?:ql)?', ['postgres']),
  connectionString('mysql-connection-string', 'MySQL / MariaDB', 'mysqlx?|mariadb', ['mysql', 'mariadb']),
  connectionString('mongodb-connection-string', 'MongoDB', 'mongodb(?:\\+srv)?', ['mongodb']),
  connectionString('redis-connection-string', 'Redis', 'rediss?', ['redis']),
  connectionString('amqp-connection-string', 'AMQP (RabbitMQ)', 'amqps?', ['amqp']),
  {
    id: 'basic-auth-url',
    description: 'HTTP(S) or FTP URL with an embedded password',
    keywords: ['http', 'ftp'],
    pattern: credentialUrl('https?|ftps?'),
  },
  {
    id: 'generic-secret-assignment',
    description: 'A high-entropy value assigned to a name such as api_key, secret, token or password',
    keywords: ['key', 'secret', 'token', 'passw', 'pwd', 'credential'],
    pattern:
      /(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]{0,40}?(?:api[_.-]?key|secret|token|passw(?:or)?d|pwd|credentials?|auth[_.-]?key|access[_.-]?key|private[_.-]?key)[A-Za-z0-9_.-]{0,40}["'`]?\s*(?:=|:=|:|=>)\s*(?<quote>["'`]?)(?<secret>[^\s"'`,;]{8,200})\k<quote>/i,
    minEntropy: 3,
    notASecret: looksLikeCode,
  },
];
