// Which model names the engine serves, and which it may create through /api/pull.
import type { CachedModel } from './gguf/model-cache';
import type { Preset } from './gguf/tiny-model';

export interface ServedModel {
  /** Normalized: always carries a tag (`name:latest` when none was given). */
  name: string;
  model: CachedModel;
  modifiedAt: Date;
}

function normalizeModelName(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

export class ModelRegistry {
  private readonly served = new Map<string, ServedModel>();
  private readonly pullable: Map<string, Preset>;

  constructor(pullable: Record<string, Preset>) {
    this.pullable = new Map(Object.entries(pullable).map(([name, preset]) => [normalizeModelName(name), preset]));
  }

  add(name: string, model: CachedModel): ServedModel {
    const served = { name: normalizeModelName(name), model, modifiedAt: new Date() };
    this.served.set(served.name, served);
    return served;
  }

  find(name: unknown): ServedModel | undefined {
    return typeof name === 'string' && name ? this.served.get(normalizeModelName(name)) : undefined;
  }

  pullablePreset(name: string): Preset | undefined {
    return this.pullable.get(normalizeModelName(name));
  }

  list(): ServedModel[] {
    return [...this.served.values()];
  }
}
