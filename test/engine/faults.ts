// The active fault rules. A request takes the first rule whose path prefix matches and that has
// uses left; 'down' is not per request: while such a rule is active the listener stays closed.
import type { Fault, FaultRule } from './server';

export type RequestFault = Exclude<Fault, { kind: 'down' }>;

export class FaultSchedule {
  private rules: { rule: FaultRule; remaining: number }[] = [];

  replace(rules: readonly FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule, remaining: rule.times ?? Infinity }));
  }

  get down(): boolean {
    return this.rules.some(({ rule }) => rule.fault.kind === 'down');
  }

  take(path: string): RequestFault | undefined {
    for (const slot of this.rules) {
      const { fault, path: prefix } = slot.rule;
      if (fault.kind === 'down' || slot.remaining <= 0) continue;
      if (prefix !== undefined && !path.startsWith(prefix)) continue;
      slot.remaining--;
      return fault;
    }
    return undefined;
  }
}
