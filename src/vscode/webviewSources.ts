import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { WebviewPageSources } from '../webview/pageShell';

/** The assets of one page under `media/<page>/` (`<page>.js`, `<page>.css`) as this webview serves them, with a fresh nonce. */
export function webviewSources(webview: vscode.Webview, extensionUri: vscode.Uri, page: string): WebviewPageSources {
  const folder = vscode.Uri.joinPath(extensionUri, 'media', page);
  return {
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(folder, `${page}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(folder, `${page}.css`)).toString(),
    nonce: randomBytes(16).toString('base64'),
  };
}
