/**
 * How a launcher tells the suites about the loopback engine it started. Environment variables
 * reach the extension host only through the VS Code process's own environment.
 */
export const LOCAL_HOST_ENV = 'TANDEM_TEST_LOCAL_HOST';

/** Where `node esbuild.js --tests` writes the suites' entry point, relative to the repository root. */
export const SUITE_ENTRY = 'out/test/integration/suite/index.js';

/** Starts every line of the mocha report, so a launcher can tell it from the workbench's own log. */
export const REPORT_MARKER = '[tandem-suite] ';
