import assert from 'node:assert/strict';
import schema from '../../../schemas/policy.schema.json';
import { PolicyStore } from '../../../src/core/policy/policyStore';
import { parseRepoPolicy, PolicyFileError, REPO_POLICY_KEYS } from '../../../src/core/policy/repoPolicyFile';
import { folderInputs } from './folderInputs';

const FILE = 'api/.tandem/policy.json';

/** Example files: JSON text, whether it is valid, and for invalid ones the field the error must name. */
const EXAMPLES: ReadonlyArray<{ readonly text: string; readonly valid: boolean; readonly field?: string | RegExp }> = [
  { text: '{}', valid: true },
  { text: '{ "mode": "local-only" }', valid: true },
  { text: '{ "mode": "hybrid", "localOnly": ["src/billing/**"], "exclude": [".env*", "vendor/"] }', valid: true },
  { text: '{ "$schema": "../schemas/policy.schema.json", "allowCloudHosts": ["api.openai.com", "*.openai.azure.com"] }', valid: true },
  { text: '{ "allowCloudHosts": [] }', valid: true },
  { text: '\uFEFF{ "allowCloudHosts": ["127.0.0.1"] }', valid: true },
  { text: '{ "mode": "cloud" }', valid: false, field: 'mode' },
  { text: '{ "mode": 1 }', valid: false, field: 'mode' },
  { text: '{ "mode": null }', valid: false, field: 'mode' },
  { text: '{ "localOnly": "src/**" }', valid: false, field: 'localOnly' },
  { text: '{ "localOnly": [42] }', valid: false, field: 'localOnly[0]' },
  { text: '{ "exclude": ["ok", ""] }', valid: false, field: 'exclude[1]' },
  { text: '{ "exclude": {} }', valid: false, field: 'exclude' },
  { text: '{ "allowCloudHosts": ["https://api.openai.com"] }', valid: false, field: 'allowCloudHosts' },
  { text: '{ "allowCloudHosts": ["api openai"] }', valid: false, field: 'allowCloudHosts' },
  { text: '{ "allowCloudHosts": "api.openai.com" }', valid: false, field: 'allowCloudHosts' },
  { text: '{ "mode": "local-only", "allowCloud": true }', valid: false, field: 'allowCloud' },
  { text: '{ "Mode": "local-only" }', valid: false, field: 'Mode' },
  { text: '{ "$schema": 7 }', valid: false, field: '$schema' },
  { text: '[]', valid: false },
  { text: '"local-only"', valid: false },
  { text: 'null', valid: false },
  { text: '{ "mode": "local-only", }', valid: false },
  { text: '', valid: false },
  { text: '// comment\n{}', valid: false },
];

type SchemaNode = {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean;
  items?: SchemaNode;
  minLength?: number;
  pattern?: string;
  description?: string;
};

/** A minimal draft-07 interpreter for the keywords the schema uses, independent of the parser. */
function schemaAccepts(node: SchemaNode, value: unknown): boolean {
  const typeOk = (() => {
    switch (node.type) {
      case undefined:
        return true;
      case 'object':
        return typeof value === 'object' && value !== null && !Array.isArray(value);
      case 'array':
        return Array.isArray(value);
      case 'string':
        return typeof value === 'string';
      default:
        throw new Error(`test interpreter does not know type ${node.type}`);
    }
  })();
  if (!typeOk) return false;
  if (node.enum && !node.enum.includes(value)) return false;
  if (typeof value === 'string') {
    if (node.minLength !== undefined && value.length < node.minLength) return false;
    if (node.pattern !== undefined && !new RegExp(node.pattern, 'u').test(value)) return false;
  }
  if (Array.isArray(value) && node.items) {
    return value.every((item) => schemaAccepts(node.items as SchemaNode, item));
  }
  if (node.type === 'object') {
    const record = value as Record<string, unknown>;
    for (const [key, item] of Object.entries(record)) {
      const property = node.properties?.[key];
      if (property === undefined) {
        if (node.additionalProperties === false) return false;
      } else if (!schemaAccepts(property, item)) {
        return false;
      }
    }
  }
  return true;
}

function parses(text: string): boolean {
  try {
    parseRepoPolicy(text, FILE);
    return true;
  } catch (error) {
    assert.ok(PolicyFileError.is(error), 'only PolicyFileError escapes the parser');
    return false;
  }
}

function allNodes(node: SchemaNode, path = '#'): Array<[string, SchemaNode]> {
  return [
    [path, node] as [string, SchemaNode],
    ...Object.entries(node.properties ?? {}).flatMap(([key, child]) => allNodes(child, `${path}/${key}`)),
    ...(node.items ? allNodes(node.items, `${path}/items`) : []),
  ];
}

describe('repository policy file', () => {
  it('accepts and rejects every example as the table says', () => {
    for (const example of EXAMPLES) {
      assert.equal(parses(example.text), example.valid, example.text);
    }
  });

  it('names the file and the offending field in every error', () => {
    for (const example of EXAMPLES.filter((e) => !e.valid)) {
      try {
        parseRepoPolicy(example.text, FILE);
        assert.fail(`accepted ${example.text}`);
      } catch (error) {
        assert.ok(PolicyFileError.is(error));
        assert.ok(error.message.startsWith(FILE), error.message);
        if (example.field !== undefined) {
          assert.equal(error.field, example.field, error.message);
          assert.ok(error.message.includes(`field "${example.field}"`), error.message);
        }
      }
    }
  });

  it('explains what is wrong in words', () => {
    assert.throws(() => parseRepoPolicy('{ "mode": "cloud" }', FILE), {
      message: 'api/.tandem/policy.json: field "mode" must be "hybrid" or "local-only", found the string "cloud"',
    });
    assert.throws(() => parseRepoPolicy('{ "mode": "local-only", ', FILE), /^PolicyFileError: api\/\.tandem\/policy\.json: is not valid JSON \(/);
  });

  it('returns the parsed fields with defaults', () => {
    assert.deepEqual(parseRepoPolicy('{ "mode": "local-only", "exclude": ["a/**"] }', FILE), {
      mode: 'local-only',
      localOnly: [],
      exclude: ['a/**'],
      allowCloudHosts: undefined,
    });
  });

  describe('agrees with schemas/policy.schema.json', () => {
    it('is a draft-07 schema with closed objects and a description on every property', () => {
      assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
      assert.equal(schema.additionalProperties, false);
      for (const [path, node] of allNodes(schema as SchemaNode).slice(1)) {
        assert.ok(typeof node.description === 'string' && node.description.length > 10, `${path} has a description`);
      }
    });

    it('declares exactly the keys the parser knows', () => {
      assert.deepEqual(Object.keys(schema.properties).sort(), [...REPO_POLICY_KEYS].sort());
    });

    it('accepts and rejects the same examples as the parser', () => {
      for (const example of EXAMPLES) {
        let data: unknown;
        let json = true;
        try {
          data = JSON.parse(example.text.replace(/^\uFEFF/, ''));
        } catch {
          json = false;
        }
        assert.equal(json && schemaAccepts(schema as SchemaNode, data), parses(example.text), example.text);
      }
    });
  });

  describe('fails closed', () => {
    const inputs = { userMode: 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: false } as const;
    const cases: ReadonlyArray<[string, Parameters<typeof folderInputs>[1], RegExp]> = [
      ['bad JSON', { '.tandem/policy.json': '{ "mode": ' }, /api\/\.tandem\/policy\.json: is not valid JSON/],
      ['a wrong type', { '.tandem/policy.json': '{ "exclude": "secret/**" }' }, /field "exclude" must be an array of strings/],
      ['an unknown key', { '.tandem/policy.json': '{ "mode": "hybrid", "loosen": true }' }, /field "loosen" is not a known setting/],
      ['an unreadable file', { '.tandem/policy.json': { unreadable: 'EACCES: permission denied' } }, /could not be read \(EACCES/],
      ['an unreadable ignore file', { '.cursorignore': { unreadable: 'EISDIR' } }, /api\/\.cursorignore could not be read/],
      ['a glob picomatch rejects', { '.tandem/policy.json': JSON.stringify({ exclude: ['a'.repeat(70_000)] }) }, /api\/\.tandem\/policy\.json: .*exceeds maximum/],
      ['an ignore-file line picomatch rejects', { '.codeiumignore': `ok/\n${'b'.repeat(70_000)}\n` }, /api\/\.codeiumignore: .*exceeds maximum/],
    ];
    for (const [name, files, message] of cases) {
      it(`on ${name}: local-only with the file and the error in the reason; fixing it restores hybrid`, () => {
        const store = new PolicyStore(inputs, [folderInputs('file:///api', files, 'api')]);
        const { workspace } = store.current();
        assert.equal(workspace.allowCloud, false);
        assert.equal(workspace.layer, 'policy-error');
        assert.equal(workspace.locked, true);
        assert.match(workspace.reason, /^Local-only \(failing closed\): /);
        assert.match(workspace.reason, message);
        assert.equal(workspace.problems.length, 1);
        const decision = store.current().decide({ folder: 'file:///api', path: 'src/index.ts' });
        assert.deepEqual([decision.allowCloud, decision.layer], [false, 'policy-error']);

        store.setFolder(folderInputs('file:///api', {}, 'api'));
        assert.equal(store.current().workspace.allowCloud, true);
        assert.deepEqual(store.current().workspace.problems, []);
      });
    }

    it('treats a folder the store has not loaded as local-only', () => {
      const store = new PolicyStore(inputs, [folderInputs('file:///api')]);
      const decision = store.current().decide({ folder: 'file:///web', path: 'index.ts' });
      assert.deepEqual([decision.allowCloud, decision.allowAi, decision.layer], [false, true, 'policy-error']);
    });
  });
});
