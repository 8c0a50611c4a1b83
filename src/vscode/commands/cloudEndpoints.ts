import * as vscode from 'vscode';
import { hostLabel } from '../../core/net/url';
import { originOf } from '../secrets';
import type { Settings } from '../settings';

/** The configured cloud endpoints (primary first), one per origin: keys are stored per origin. */
export function configuredCloudOrigins(settings: Settings): string[] {
  const { cloudBaseUrl, cloudFallbacks } = settings.endpoints();
  return [...new Set([cloudBaseUrl, ...cloudFallbacks.map((f) => f.baseUrl)].map(originOf))];
}

/** Asks which endpoint when there is more than one; `given` (a base URL) must be one of them. */
export async function chooseCloudOrigin(origins: readonly string[], given: string | undefined, purpose: string): Promise<string | undefined> {
  if (given !== undefined) {
    const origin = originOf(given);
    if (origins.includes(origin)) return origin;
    void vscode.window.showWarningMessage(`Tandem: ${hostLabel(given)} is not a configured cloud endpoint (tandem.cloud.baseUrl or tandem.cloud.fallbacks).`);
    return undefined;
  }
  if (origins.length <= 1) return origins[0];
  const picked = await vscode.window.showQuickPick(
    origins.map((origin, i) => ({ label: hostLabel(origin), description: i === 0 ? 'primary' : 'fallback', origin })),
    { title: `Tandem: ${purpose}`, placeHolder: 'Which cloud endpoint?' },
  );
  return picked?.origin;
}
