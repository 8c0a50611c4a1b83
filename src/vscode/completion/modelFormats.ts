import { resolveFimFormat, type CustomTemplateSpec, type FimFormat } from '../../core/completion/templates';
import { ModelNotFoundError } from '../../core/net/errors';
import type { OllamaBackend } from '../../backends/ollama';

/** A model's FIM format, and whether `/api/show` decided it (else the model's name alone did). */
export interface ResolvedFormat {
  readonly format: FimFormat;
  readonly fromShow: boolean;
}

/**
 * The FIM format of each completion model, from `/api/show` once per model (the answer is cached
 * for the backend's lifetime). When the server cannot be asked, the format comes from the model's
 * name alone and is not cached, so a later call asks again. A missing model (`ModelNotFoundError`)
 * and an unknown family (`UnsupportedFimModelError`) are thrown.
 */
export class ModelFormats {
  private readonly resolved = new Map<string, Promise<ResolvedFormat>>();

  constructor(private readonly backend: OllamaBackend) {}

  format(model: string, custom: CustomTemplateSpec | undefined, signal: AbortSignal): Promise<ResolvedFormat> {
    if (custom) return Promise.resolve({ format: resolveFimFormat({ modelName: model, custom }), fromShow: false });
    const known = this.resolved.get(model);
    if (known) return known;
    const pending = this.backend.show(model, signal).then(
      (show) => ({ format: resolveFimFormat({ modelName: model, show }), fromShow: true }),
      (error: unknown) => {
        this.resolved.delete(model);
        if (error instanceof ModelNotFoundError) throw error;
        return { format: resolveFimFormat({ modelName: model }), fromShow: false };
      },
    );
    this.resolved.set(model, pending);
    return pending;
  }
}
