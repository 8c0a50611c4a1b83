import assert from 'node:assert/strict';
import { SecretRedactor, isPlaceholder, shannonEntropy } from '../../../src/core/egress/redaction';
import { SECRET_RULES } from '../../../src/core/egress/secretRules';
import { ALNUM, BASE32_UPPER, BASE64, BASE64URL, DIGITS, FakeSecrets, HEX, LETTERS, LOWER_ALNUM } from './fakeSecrets';

const fake = new FakeSecrets(20240611);
const dash5 = '-'.repeat(5);

/** A true positive: text that contains `secret`, which must disappear. */
interface TruePositive {
  readonly text: string;
  readonly secret: string;
}

function tp(secret: string, wrap: (s: string) => string = (s) => `value = "${s}"`): TruePositive {
  return { text: wrap(secret), secret };
}

/** For every rule: true positives (must be redacted by that rule) and false positives (must be left alone). */
const EXAMPLES: Readonly<Record<string, { readonly tp: readonly TruePositive[]; readonly fp: readonly string[] }>> = {
  'private-key': {
    tp: [
      tp(fake.pem('RSA PRIVATE'), (s) => `const key = \`\n${s}\n\`;`),
      tp(fake.pem('OPENSSH PRIVATE'), (s) => `# id\n${s}\n`),
      tp(fake.pem('EC PRIVATE').split('\n').slice(0, 3).join('\n'), (s) => `truncated selection:\n${s}`),
    ],
    fp: [
      `Paste the block that starts with ${dash5}BEGIN PRIVATE KEY${dash5} here.`,
      `${dash5}BEGIN PRIVATE KEY${dash5}\n...\n${dash5}END PRIVATE KEY${dash5}`,
      fake.pem('PUBLIC'),
    ],
  },
  'gcp-service-account-key': {
    tp: [
      tp(`${fake.pem('PRIVATE', '\\n')}\\n`, (s) => `{\n  "type": "service_account",\n  "private_key": "${s}",\n  "client_email": "svc@proj.iam.gserviceaccount.com"\n}`),
    ],
    fp: ['{ "type": "service_account", "private_key": "" }'],
  },
  'aws-access-key-id': {
    tp: [tp(`AKIA${fake.chars(BASE32_UPPER, 16)}`, (s) => `aws_access_key_id = ${s}`), tp(`ASIA${fake.chars(BASE32_UPPER, 16)}`)],
    fp: [`aws_access_key_id = AKIA${'IOSFODNN7'}EXAMPLE`, 'const AKIATYPE = 1;'],
  },
  'aws-secret-access-key': {
    tp: [tp(fake.chars(`${ALNUM}/+`, 40), (s) => `aws_secret_access_key = ${s}`), tp(fake.chars(`${ALNUM}/+`, 40), (s) => `AWS_SECRET: "${s}"`)],
    fp: [`aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY${'EXAMPLEKEY'}`, `aws_secret_access_key = ${'ab'.repeat(20)}`],
  },
  'gcp-api-key': {
    tp: [tp(`AIza${fake.chars(BASE64URL, 35)}`)],
    fp: ['Browser keys start with AIzaSy and are restricted by referrer.'],
  },
  'google-oauth-client-secret': {
    tp: [tp(`GOCSPX-${fake.chars(BASE64URL, 28)}`, (s) => `GOOGLE_CLIENT_SECRET=${s}`)],
    fp: ['Client secrets look like GOCSPX-abc.'],
  },
  'google-oauth-access-token': {
    tp: [tp(`ya29.${fake.chars(BASE64URL, 120)}`, (s) => `Authorization: Bearer ${s}`)],
    fp: [`Authorization: Bearer ya29.${'a'.repeat(40)}`],
  },
  'azure-storage-account-key': {
    tp: [tp(`${fake.chars(BASE64, 86)}==`, (s) => `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${s};EndpointSuffix=core.windows.net`)],
    fp: ['DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=<account-key>;EndpointSuffix=core.windows.net'],
  },
  'azure-shared-access-key': {
    tp: [
      tp(`${fake.chars(BASE64, 43)}=`, (s) => `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${s}`),
    ],
    fp: ['Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={key}'],
  },
  'github-pat': {
    tp: [tp(`ghp_${fake.chars(ALNUM, 36)}`, (s) => `git clone https://x-access-token@github.com/o/r # ${s}`)],
    fp: ['Classic tokens start with ghp_ followed by 36 characters.'],
  },
  'github-oauth-token': { tp: [tp(`gho_${fake.chars(ALNUM, 36)}`)], fp: ['gho_ tokens come from the OAuth flow'] },
  'github-app-token': {
    tp: [tp(`ghs_${fake.chars(ALNUM, 36)}`), tp(`ghu_${fake.chars(ALNUM, 36)}`)],
    fp: ['const prefixes = ["ghs_", "ghu_"];'],
  },
  'github-refresh-token': { tp: [tp(`ghr_${fake.chars(ALNUM, 76)}`)], fp: ['refresh tokens (ghr_...) expire after six months'] },
  'github-fine-grained-pat': {
    tp: [tp(`github_pat_${fake.chars(ALNUM, 22)}_${fake.chars(ALNUM, 59)}`, (s) => `GH_TOKEN=${s}`)],
    fp: ['Fine-grained tokens begin with github_pat_ABC.'],
  },
  'gitlab-pat': {
    tp: [tp(`glpat-${fake.chars(BASE64URL, 20)}`)],
    fp: [`GITLAB_TOKEN=glpat-${'x'.repeat(20)}`],
  },
  'slack-token': {
    tp: [tp(`xoxb-${fake.chars(DIGITS, 12)}-${fake.chars(DIGITS, 13)}-${fake.chars(ALNUM, 24)}`)],
    fp: ['SLACK_BOT_TOKEN=xoxb-your-token-here'],
  },
  'slack-webhook-url': {
    tp: [tp(`T${fake.chars(BASE32_UPPER, 8)}/B${fake.chars(BASE32_UPPER, 8)}/${fake.chars(ALNUM, 24)}`, (s) => `post("https://hooks.slack.com/services/${s}")`)],
    fp: ['See https://hooks.slack.com/services/ for the webhook docs.'],
  },
  'stripe-secret-key': {
    tp: [tp(`sk_${'live'}_${fake.chars(ALNUM, 24)}`), tp(`rk_${'live'}_${fake.chars(ALNUM, 32)}`)],
    fp: [`const publishable = "pk_${'live'}_${fake.chars(ALNUM, 24)}";`],
  },
  'anthropic-api-key': {
    tp: [tp(`sk-ant-api03-${fake.chars(BASE64URL, 93)}AA`, (s) => `ANTHROPIC_API_KEY=${s}`)],
    fp: ['Anthropic keys start with sk-ant-api03-.'],
  },
  'openai-api-key': {
    tp: [tp(`sk-${fake.chars(ALNUM, 20)}T3Blbk${'FJ'}${fake.chars(ALNUM, 20)}`), tp(`sk-proj-${fake.chars(BASE64URL, 74)}T3Blbk${'FJ'}${fake.chars(BASE64URL, 74)}`)],
    fp: ['// Legacy OpenAI keys contain T3BlbkFJ, which is "OpenAI" in base64.'],
  },
  'openai-project-key': {
    tp: [tp(`sk-proj-${fake.chars(BASE64URL, 120)}`, (s) => `client = OpenAI(api_key="${s}")`)],
    fp: ['OPENAI_API_KEY=sk-proj-your-key-here'],
  },
  'npm-access-token': {
    tp: [tp(`npm_${fake.chars(ALNUM, 36)}`, (s) => `//registry.npmjs.org/:_authToken=${s}`)],
    fp: ['npm_config_registry=https://registry.npmjs.org/'],
  },
  'pypi-upload-token': {
    tp: [tp(`pypi-AgEIcHlwaS5vcmc${fake.chars(BASE64URL, 70)}`, (s) => `password = ${s}`)],
    fp: ['PyPI tokens start with pypi-AgEIcHlwaS5vcmc and are long.'],
  },
  jwt: {
    tp: [tp(fake.jwt(), (s) => `fetch(url, { headers: { Authorization: \`Bearer ${s}\` } })`)],
    fp: ['The header eyJhbGciOiJIUzI1NiJ9 alone is not a token.'],
  },
  'twilio-api-key': {
    tp: [tp(`SK${fake.chars(HEX, 32)}`)],
    fp: [`const sid = "SK${'0'.repeat(32)}";`],
  },
  'sendgrid-api-key': {
    tp: [tp(`SG.${fake.chars(BASE64URL, 22)}.${fake.chars(BASE64URL, 43)}`)],
    fp: ['SendGrid keys look like SG.xxxxx.yyyyy'],
  },
  'mailgun-api-key': {
    tp: [tp(`key-${fake.chars(LOWER_ALNUM, 32)}`)],
    fp: ['import { KeyValueStore } from "./key-value-store-for-sessions-and-more";'],
  },
  'huggingface-token': {
    tp: [tp(`hf_${fake.chars(LETTERS, 34)}`)],
    fp: ['from huggingface_hub import hf_hub_download'],
  },
  'postgres-connection-string': {
    tp: [tp(fake.chars(ALNUM, 16), (s) => `DATABASE_URL=postgres://app:${s}@db.internal:5432/app`)],
    fp: [`DATABASE_URL=postgres://app:${'$'}{DB_PASSWORD}@db:5432/app`, 'postgresql://localhost/app'],
  },
  'mysql-connection-string': {
    tp: [tp(fake.chars(ALNUM, 16), (s) => `mysql://root:${s}@localhost:3306/shop`)],
    fp: ['mysql://root@localhost:3306/shop'],
  },
  'mongodb-connection-string': {
    tp: [tp(fake.chars(ALNUM, 16), (s) => `MONGO_URI="mongodb+srv://user:${s}@cluster0.abcd.mongodb.net/"`)],
    fp: ['mongodb://localhost:27017/test'],
  },
  'redis-connection-string': {
    tp: [tp(fake.chars(ALNUM, 16), (s) => `REDIS_URL=redis://:${s}@cache:6379/0`)],
    fp: ['REDIS_URL=redis://cache:6379/0'],
  },
  'amqp-connection-string': {
    tp: [tp(fake.chars(ALNUM, 16), (s) => `amqps://worker:${s}@mq.internal/vhost`)],
    fp: ['amqp://guest:<password>@localhost:5672'],
  },
  'basic-auth-url': {
    tp: [tp(fake.chars(ALNUM, 16), (s) => `git remote add origin https://deploy:${s}@git.corp.net/repo.git`)],
    fp: ['https://user@github.com/org/repo.git', 'http://localhost:8080/path?x=1', 'see https://host:443/a@b'],
  },
  'generic-secret-assignment': {
    tp: [
      tp(fake.chars(ALNUM, 32), (s) => `API_KEY="${s}"`),
      tp(fake.chars(ALNUM, 24), (s) => `{ "client_secret": "${s}" }`),
      tp(`${fake.chars(ALNUM, 10)}!#${fake.chars(ALNUM, 4)}`, (s) => `db.password: ${s}`),
      tp(fake.chars(ALNUM, 20), (s) => `export AUTH_TOKEN=${s}`),
      tp(fake.chars(ALNUM, 20), (s) => `https://api.example.com/v1?token=${s}&x=1`),
    ],
    fp: [
      'password = process.env.DB_PASSWORD',
      'const apiKey = getApiKey(config);',
      'token = "changeme"',
      'secret: "{{ .Values.secret }}"',
      `API_KEY=${'$'}{API_KEY}`,
      'password: true',
      'const maxTokens = 40961234;',
      'const tokenizer = new Tokenizer();',
      'password: hashedPassword,',
      'secret?: string;',
      'auth_token = "xxxxxxxxxxxxxxxx"',
      'password = "password"',
      'API_KEY=your_api_key_here',
      '<input type="password" name="password">',
    ],
  },
};

describe('secret redaction', () => {
  const redactor = new SecretRedactor();

  it(`has at least 25 rules, all with unique ids, keywords in lower case and an example table entry`, () => {
    assert.ok(SECRET_RULES.length >= 25, `${SECRET_RULES.length} rules`);
    const ids = SECRET_RULES.map((rule) => rule.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of SECRET_RULES) {
      assert.ok(rule.keywords.length > 0 && rule.keywords.every((k) => k === k.toLowerCase()), rule.id);
    }
    assert.deepEqual(Object.keys(EXAMPLES).sort(), [...ids].sort(), 'every rule has examples and every example has a rule');
    for (const [id, examples] of Object.entries(EXAMPLES)) {
      assert.ok(examples.tp.length > 0, `${id} lacks a true positive`);
      assert.ok(examples.fp.length > 0, `${id} lacks a false positive`);
    }
  });

  for (const rule of SECRET_RULES) {
    describe(rule.id, () => {
      (EXAMPLES[rule.id]?.tp ?? []).forEach((example, index) => {
        it(`redacts true positive ${index + 1}`, () => {
          assert.ok(example.text.includes(example.secret));
          const result = redactor.redact(example.text);
          assert.ok(!result.text.includes(example.secret), `secret survived: ${result.text}`);
          assert.ok(result.text.includes(`[REDACTED:${rule.id}]`), result.text);
          assert.ok((result.counts[rule.id] ?? 0) >= 1, JSON.stringify(result.counts));
        });
      });
      (EXAMPLES[rule.id]?.fp ?? []).forEach((text, index) => {
        it(`leaves false positive ${index + 1} alone`, () => {
          const result = redactor.redact(text);
          assert.equal(result.text, text);
          assert.deepEqual(result.counts, {});
        });
      });
    });
  }

  it('keeps the surrounding text and names only the secret part', () => {
    const key = `ghp_${fake.chars(ALNUM, 36)}`;
    assert.equal(redactor.redact(`const t = "${key}"; // deploy`).text, 'const t = "[REDACTED:github-pat]"; // deploy');
    const pw = fake.chars(ALNUM, 16);
    assert.equal(redactor.redact(`postgres://app:${pw}@db/app`).text, 'postgres://app:[REDACTED:postgres-connection-string]@db/app');
  });

  it('counts several secrets per rule and across rules', () => {
    const text = [`a=ghp_${fake.chars(ALNUM, 36)}`, `b=ghp_${fake.chars(ALNUM, 36)}`, `c=${fake.jwt()}`].join('\n');
    assert.deepEqual(redactor.redact(text).counts, { 'github-pat': 2, jwt: 1 });
  });

  it('returns text without secrets unchanged', () => {
    const code = 'export function add(a: number, b: number): number {\n  return a + b; // token of appreciation\n}\n'.repeat(200);
    assert.equal(redactor.redact(code).text, code);
  });

  it('computes Shannon entropy', () => {
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
    assert.ok(Math.abs(shannonEntropy('aabb') - 1) < 1e-12);
  });

  it('recognises templates and placeholders', () => {
    for (const value of ['${SECRET}', '{{ secret }}', '<your-token>', '$TOKEN', 'changeme', 'xxxxxxxx', 'null', 'AKIAEXAMPLE']) {
      assert.equal(isPlaceholder(value), true, value);
    }
    assert.equal(isPlaceholder(fake.chars(ALNUM, 20)), false);
  });
});
