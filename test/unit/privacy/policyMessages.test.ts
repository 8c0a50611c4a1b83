// Policy problems reach the log, the status bar, refusal reasons and the audit log: they must name
// the file and the error, never quote the file's content.
import assert from 'node:assert/strict';
import { PolicyStore } from '../../../src/core/policy/policyStore';
import { POLICY_FILE_NAMES, type FolderInputs, type PolicyFileName, type PolicyFileState } from '../../../src/core/policy/policyTypes';

const CONTENT = 'internal-hostname-db7.corp';

function folderWithPolicy(text: string): FolderInputs {
  const files = Object.fromEntries(
    POLICY_FILE_NAMES.map((name): [PolicyFileName, PolicyFileState] => [name, name === '.tandem/policy.json' ? { kind: 'present', text } : { kind: 'absent' }]),
  ) as Record<PolicyFileName, PolicyFileState>;
  return { id: 'repo', name: 'repo', files };
}

describe('policy problem messages', () => {
  const broken: ReadonlyArray<[string, string]> = [
    ['an unexpected token', `{ "mode": ${CONTENT} }`],
    ['a missing comma', `{ "exclude": ["a"] "${CONTENT}": 1 }`],
    ['trailing text', `{ "exclude": [] } ${CONTENT}`],
    ['an unterminated file', `{ "exclude": ["${CONTENT}"`],
  ];
  for (const [name, text] of broken) {
    it(`name the file and where the JSON breaks, without its content (${name})`, () => {
      const workspace = new PolicyStore({ userMode: 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: false }, [folderWithPolicy(text)]).current().workspace;
      assert.equal(workspace.allowCloud, false);
      assert.equal(workspace.layer, 'policy-error');
      const shown = [workspace.reason, ...workspace.problems.map((problem) => problem.message)].join('\n');
      assert.match(shown, /repo\/\.tandem\/policy\.json: is not valid JSON \(/);
      assert.ok(!shown.includes(CONTENT), shown);
      assert.ok(!shown.includes('"mode"') && !shown.includes('"exclude"'), shown);
    });
  }

  it('give line and column when the parser reports a position', () => {
    const workspace = new PolicyStore({ userMode: 'hybrid', workspaceLocalOnly: false, trusted: true, caseInsensitive: false }, [folderWithPolicy('{\n  "exclude": ["a"]\n  "mode": "hybrid"\n}')]).current().workspace;
    assert.match(workspace.reason, /syntax error at line 3, column 3/);
  });
});
