import { webviewPage, type WebviewPageSources } from '../pageShell';

/**
 * The chat panel's markup (the element ids `main.ts` binds to). Scripts run only with this load's
 * nonce; styles, fonts and images come only from the extension (images also as data: URIs), so a
 * model's answer cannot load anything from the network.
 */
export function chatPage(sources: WebviewPageSources): string {
  return webviewPage(sources, {
    title: 'Tandem Chat',
    allow: [`img-src ${sources.cspSource} data:`, `font-src ${sources.cspSource}`],
    body: `<main class="chat">
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
</main>`,
  });
}
