/** What the chat page needs from its host: where its files are served from and this load's nonce. */
export interface ChatPageSources {
  /** The origin allowed to serve styles, fonts and images (`webview.cspSource`). */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
}

/**
 * The chat panel's markup (the element ids `main.ts` binds to). Scripts run only with this load's
 * nonce; styles, fonts and images come only from the extension (images also as data: URIs), so a
 * model's answer cannot load anything from the network.
 */
export function chatPage(sources: ChatPageSources): string {
  const { cspSource, scriptUri, styleUri, nonce } = sources;
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styleUri}">
<title>Tandem Chat</title>
</head>
<body>
<main class="chat">
  <p id="empty" class="empty">Ask about your code. Enter sends, Shift+Enter starts a new line.</p>
  <div id="transcript" class="transcript" role="log" aria-label="Conversation"></div>
  <form id="composer" class="composer" aria-label="Ask Tandem">
    <div id="context" class="context" hidden>
      <span id="context-label"></span>
      <button type="button" id="drop-context" class="action" aria-label="Remove the attached context" title="Remove the attached context">Remove</button>
    </div>
    <textarea id="input" rows="3" aria-label="Message to Tandem" placeholder="Ask Tandem… (Enter to send, Shift+Enter for a new line)"></textarea>
    <div class="controls">
      <button type="submit" id="send" aria-label="Send the message">Send</button>
      <button type="button" id="stop" aria-label="Stop the answer" hidden>Stop</button>
      <button type="button" id="clear" class="secondary" aria-label="Clear the conversation history">Clear</button>
    </div>
    <p id="destination" class="destination" aria-live="polite"></p>
  </form>
</main>
<script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}
