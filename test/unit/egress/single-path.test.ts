import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const TRANSPORT_MODULE = 'src/backends/openai.ts';
const WIRING = 'src/extension.ts';

const OPENAI_IMPORT = [
  /\bfrom\s+['"]openai(?:\/[^'"]*)?['"]/,
  /\bimport\s+['"]openai(?:\/[^'"]*)?['"]/,
  /\bimport\s*\(\s*['"]openai(?:\/[^'"]*)?['"]\s*\)/,
  /\brequire\s*\(\s*['"]openai(?:\/[^'"]*)?['"]\s*\)/,
];
const OPENAI_CONSTRUCTION = /\bnew\s+(?:Azure)?OpenAI\s*\(/;
const TRANSPORT_MODULE_IMPORT = /['"][./]*(?:src\/)?backends\/openai(?:\.ts|\.js)?['"]/;

/** The source range of each `new EgressGate(...)` call, parentheses balanced. */
function gateConstructionRanges(source: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const match of source.matchAll(/\bnew\s+EgressGate\s*\(/g)) {
    let depth = 0;
    const start = match.index;
    for (let i = start + match[0].length - 1; i < source.length; i++) {
      if (source[i] === '(') depth++;
      if (source[i] === ')' && --depth === 0) {
        ranges.push([start, i]);
        break;
      }
    }
  }
  return ranges;
}

/**
 * Every way the given source files could reach a cloud model without the egress gate. Only the
 * transport module may use the `openai` package; only the gate's construction in the wiring may
 * construct the transport, and only once.
 */
export function findEgressBypasses(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [path, source] of files) {
    if (path === TRANSPORT_MODULE) continue;
    if (OPENAI_IMPORT.some((pattern) => pattern.test(source))) problems.push(`${path} imports the openai package`);
    if (OPENAI_CONSTRUCTION.test(source)) problems.push(`${path} constructs an OpenAI client`);
    if (/\bimplements\s+CloudTransport\b/.test(source)) problems.push(`${path} implements CloudTransport (only ${TRANSPORT_MODULE} may)`);
    if (path === WIRING) continue;
    if (/\bOpenAiTransport\b/.test(source)) problems.push(`${path} references OpenAiTransport`);
    if (TRANSPORT_MODULE_IMPORT.test(source)) problems.push(`${path} imports the cloud transport module`);
  }
  const wiring = files.get(WIRING);
  if (wiring !== undefined) {
    const gates = gateConstructionRanges(wiring);
    const imports = [...wiring.matchAll(/\bimport\b[^;]*?\bfrom\s*['"][^'"]*['"]/gs)].map(
      (match): [number, number] => [match.index, match.index + match[0].length],
    );
    const inside = (at: number, ranges: Array<[number, number]>): boolean => ranges.some(([start, end]) => at > start && at < end);
    const constructions = [...wiring.matchAll(/\bnew\s+OpenAiTransport\s*\(/g)];
    if (constructions.length > 1) problems.push(`${WIRING} constructs OpenAiTransport ${constructions.length} times`);
    for (const mention of wiring.matchAll(/\bOpenAiTransport\b/g)) {
      if (!inside(mention.index, gates) && !inside(mention.index, imports)) {
        problems.push(`${WIRING} uses OpenAiTransport outside the EgressGate construction`);
      }
    }
  }
  return problems;
}

function repositoryRoot(): string {
  const fromBundle = resolve(__dirname, '../../../..');
  return existsSync(join(fromBundle, 'package.json')) ? fromBundle : process.cwd();
}

function sourceFiles(root: string, directory: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(root, directory), { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) {
      const full = join(entry.parentPath ?? entry.path, entry.name);
      files.set(relative(root, full).split('\\').join('/'), readFileSync(full, 'utf8'));
    }
  }
  return files;
}

describe('single egress path', () => {
  describe('the scanner', () => {
    const gateWiring = [
      "import { OpenAiTransport } from './backends/openai';",
      "import { EgressGate } from './core/egress/egressGate';",
      'const gate = new EgressGate({',
      '  transport: new OpenAiTransport({ apiKey: (url) => secrets.get(url) }),',
      '  policy,',
      '});',
    ].join('\n');
    const clean = new Map([
      [TRANSPORT_MODULE, "import { OpenAI } from 'openai';\nexport class OpenAiTransport implements CloudTransport { c = new OpenAI({}); }"],
      [WIRING, gateWiring],
      ['src/core/chat/chat.ts', 'export async function ask(gate: EgressGate) { return gate.send(request); }'],
    ]);
    const withFile = (path: string, source: string): Map<string, string> => new Map([...clean, [path, source]]);

    it('accepts the transport module and one construction inside the gate', () => {
      assert.deepEqual(findEgressBypasses(clean), []);
    });

    const violations: ReadonlyArray<[string, Map<string, string>, RegExp]> = [
      ['a static import of openai', withFile('src/vscode/chat.ts', "import OpenAI from 'openai';"), /src\/vscode\/chat\.ts imports the openai package/],
      ['a subpath import', withFile('src/core/x.ts', "import type { ChatCompletion } from 'openai/resources';"), /imports the openai package/],
      ['a dynamic import', withFile('src/core/x.ts', "const { OpenAI } = await import('openai');"), /imports the openai package/],
      ['a require', withFile('src/core/x.ts', "const m = require('openai');"), /imports the openai package/],
      ['a client construction', withFile('src/backends/other.ts', 'const c = new OpenAI({ apiKey });'), /constructs an OpenAI client/],
      ['an Azure client', withFile('src/backends/other.ts', 'const c = new AzureOpenAI({ apiKey });'), /constructs an OpenAI client/],
      ['a second transport', withFile('src/backends/fetchCloud.ts', 'export class FetchCloud implements CloudTransport {}'), /implements CloudTransport/],
      ['the transport used elsewhere', withFile('src/core/routing/r.ts', "import { OpenAiTransport } from '../../backends/openai';"), /references OpenAiTransport/],
      ['the transport module imported elsewhere', withFile('src/vscode/x.ts', "import { thing } from '../backends/openai';"), /imports the cloud transport module/],
      [
        'a construction outside the gate',
        withFile(WIRING, `${gateWiring}\nconst direct = new OpenAiTransport({ apiKey });`),
        /constructs OpenAiTransport 2 times|outside the EgressGate construction/,
      ],
      [
        'a transport built first and passed in',
        withFile(WIRING, "import { OpenAiTransport } from './backends/openai';\nconst t = new OpenAiTransport({});\nconst gate = new EgressGate({ transport: t });"),
        /outside the EgressGate construction/,
      ],
    ];
    for (const [name, files, expected] of violations) {
      it(`flags ${name}`, () => {
        const problems = findEgressBypasses(files);
        assert.ok(problems.some((p) => expected.test(p)), problems.join('; ') || 'no problem found');
      });
    }
  });

  it('holds for the source tree (src/**/*.ts)', () => {
    const root = repositoryRoot();
    const files = sourceFiles(root, 'src');
    assert.ok(files.size > 0, `found no sources under ${root}/src`);
    assert.deepEqual(findEgressBypasses(files), []);
  });

  it('keeps the policy and egress core pure (no vscode, no node built-ins)', () => {
    const root = repositoryRoot();
    for (const directory of ['src/core/policy', 'src/core/egress']) {
      for (const [path, source] of sourceFiles(root, directory)) {
        assert.ok(!/from\s+['"](?:vscode|node:[^'"]+|fs|path|os|http|https|net)['"]/.test(source), `${path} imports a host module`);
      }
    }
  });
});
