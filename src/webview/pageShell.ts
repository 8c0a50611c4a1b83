/** Where a webview page's assets come from (URIs already converted with `asWebviewUri`). */
export interface WebviewPageSources {
  /** The origin allowed to serve styles, fonts and images (`webview.cspSource`). */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  /** Fresh per load: only the script carrying it may run. */
  nonce: string;
}

/**
 * A complete webview document around `body`: a strict Content-Security-Policy (nothing loads but
 * the extension's own style sheet, this load's script and what `allow` adds), the style sheet, and
 * the script at the end of the body.
 */
export function webviewPage(sources: WebviewPageSources, page: { title: string; body: string; allow?: readonly string[] }): string {
  const { cspSource, scriptUri, styleUri, nonce } = sources;
  const csp = ["default-src 'none'", `style-src ${cspSource}`, ...(page.allow ?? []), `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styleUri}">
<title>${page.title}</title>
</head>
<body>
${page.body}
<script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}
