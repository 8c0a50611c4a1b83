// Runs one generation for an HTTP request and records what happened in its log entry.
import type { GenerationResult, LlamaRuntime, Sampling } from './llama-runtime';
import type { ServedModel } from './model-registry';
import type { Reply } from './reply';
import type { RequestLog } from './request-log';
import type { RequestLogEntry } from './server';

/**
 * Used when a request sets no limit. Real servers generate until the model ends its answer; these
 * tiny models never do (end tokens are silenced), so an unbounded default would fill the context.
 */
export const DEFAULT_MAX_TOKENS = 128;

export interface GenerationDeps {
  runtime: LlamaRuntime;
  log: RequestLog;
}

export async function generateForRequest(
  deps: GenerationDeps,
  entry: RequestLogEntry,
  served: ServedModel,
  prompt: string,
  sampling: Sampling,
  reply: Reply,
  onText: (text: string) => void,
): Promise<GenerationResult> {
  const result = await deps.runtime.generate(served.name, served.model.path, prompt, sampling, reply.signal, onText);
  deps.log.modelReleased(entry, result.stoppedAt - result.startedAt);
  entry.promptTokens = result.promptTokens;
  entry.reusedTokens = result.reusedTokens;
  entry.generatedTokens = result.generatedTokens;
  entry.stoppedAt = result.stoppedAt;
  if (result.firstTokenAt !== undefined) entry.firstTokenMs = result.firstTokenAt - entry.arrivedAt;
  return result;
}
