/** The host (and port, if not the default) of a URL, for messages: "api.openai.com", "127.0.0.1:11434". */
export function hostLabel(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
