import { resolveFimFormat, type CustomTemplateSpec, type FimFormat } from '../../core/completion/templates';
import { ModelNotFoundError } from '../../core/net/errors';
import type { OllamaBackend } from '../../backends/ollama';

/**
 * The FIM format of each completion model, from `/api/show` once per model (the answer is cached
 * for the backend's lifetime). When the server cannot be asked, the format comes from the model's
 * name alone and is not cached, so the next request asks again. A missing model
 * (`ModelNotFoundError`) and an unknown family (`UnsupportedFimModelError`) are thrown.
 */
export class ModelFormats {
  private readonly resolved = new Map<string, Promise<FimFormat>>();

  constructor(private readonly backend: OllamaBackend) {}

  format(model: string, custom: CustomTemplateSpec | undefined, signal: AbortSignal): Promise<FimFormat> {
    if (custom) return Promise.resolve(resolveFimFormat({ modelName: model, custom }));
    const known = this.resolved.get(model);
    if (known) return known;
    const pending = this.backend.show(model, signal).then(
      (show) => resolveFimFormat({ modelName: model, show }),
      (error: unknown) => {
        this.resolved.delete(model);
        if (error instanceof ModelNotFoundError) throw error;
        return resolveFimFormat({ modelName: model });
      },
    );
    this.resolved.set(model, pending);
    return pending;
  }
}
