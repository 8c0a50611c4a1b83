import * as vscode from 'vscode';
import { parsePriceTable, type PriceTable } from '../../core/usage/pricing';

/** The prices the usage figures use, with the entries of the user's table that were ignored. */
export interface UsagePricing {
  prices: PriceTable;
  /** The cloud model the local tokens are priced as ("cloud cost avoided"). */
  cloudModel: string;
  problems: string[];
}

const PRICES_KEY = 'usage.prices';

/**
 * Reads `tandem.usage.prices` over the built-in defaults. Application-scoped: only the user's own
 * value counts, so a repository cannot make its usage look cheaper or dearer.
 */
export class UsagePricingReader {
  private lastProblems = '';

  constructor(
    private readonly cloudModel: () => string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  current(): UsagePricing {
    const raw = vscode.workspace.getConfiguration('tandem').inspect<unknown>(PRICES_KEY)?.globalValue;
    const { prices, problems } = parsePriceTable(raw);
    const described = problems.join(' ');
    if (described !== this.lastProblems && described !== '') this.log.warn(`[Usage] tandem.${PRICES_KEY}: ${described}`);
    this.lastProblems = described;
    return { prices, cloudModel: this.cloudModel(), problems };
  }

  /** True when a configuration change affects the prices or the model they are applied to. */
  affects(e: vscode.ConfigurationChangeEvent): boolean {
    return e.affectsConfiguration(`tandem.${PRICES_KEY}`) || e.affectsConfiguration('tandem.cloud.model');
  }
}
