// Builds the extension bundle (dist/) and, with --tests, the test, benchmark and script bundles (out/).
// Flags: --production (minify, no sourcemaps), --watch, --tests.
const fs = require('node:fs');
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');
// --only GLOB limits the Node-side bundles to matching entry points (faster, and unaffected by
// unrelated files that are mid-edit).
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex > 0 ? process.argv.slice(onlyIndex + 1).filter((a) => !a.startsWith('--')) : null;

/** The extension itself: one CommonJS bundle, `vscode` provided by the host. */
const extension = {
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.js',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
};

/** A webview page's browser script (`src/webview/<page>/main.ts` -> `media/<page>/<page>.js`): one IIFE loaded under the page's CSP. */
const webviewBundle = (page) => ({
  entryPoints: [`src/webview/${page}/main.ts`],
  outfile: `media/${page}/${page}.js`,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: production,
  sourcemap: false,
  logLevel: 'warning',
});
const chatWebview = webviewBundle('chat');
// chart.js is bundled and tree-shaken (only the controllers and elements the dashboard registers).
const usageWebview = webviewBundle('usage');

/** Node-side tests, engine, benchmarks and scripts: ES modules, packages left in node_modules. */
const nodeTools = {
  entryPoints: only ?? [
    'test/unit/**/*.test.ts',
    'test/engine/**/*.test.ts',
    'test/engine/cli.ts',
    'test/e2e/**/*.test.ts',
    'test/integration/run-*.ts',
    'bench/*.ts',
    'bench/e2e/*.ts',
    'scripts/*.ts',
  ],
  outdir: 'out',
  outbase: '.',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
  // Bundled TypeScript may use require/__dirname; give ES modules the CommonJS names.
  banner: {
    js: [
      "import { createRequire as __tandemCreateRequire } from 'node:module';",
      "import { fileURLToPath as __tandemFileURLToPath } from 'node:url';",
      'const require = __tandemCreateRequire(import.meta.url);',
      'const __filename = __tandemFileURLToPath(import.meta.url);',
      "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
    ].join('\n'),
  },
};

/** Mocha suites that run inside the VS Code extension host, which loads CommonJS. */
const hostSuites = {
  entryPoints: ['test/integration/suite/index.ts'],
  outdir: 'out/test/integration/suite',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['vscode', 'mocha'],
  sourcemap: 'inline',
  logLevel: 'warning',
};

async function main() {
  // A full test build starts from an empty out/, so a deleted test cannot linger and still run.
  if (tests && !only) fs.rmSync('out', { recursive: true, force: true });
  const configs = only ? [nodeTools] : tests ? [extension, chatWebview, usageWebview, nodeTools, hostSuites] : [extension, chatWebview, usageWebview];
  const contexts = await Promise.all(configs.map((c) => esbuild.context(c)));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
