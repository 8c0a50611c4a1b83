// One HTTP response, with the per-request faults that act on the body ('reset', 'stall') applied
// at the write that reaches their chunk count. `signal` aborts when the work should stop: the
// client went away before the response finished, or a stall fault silenced the response.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { RequestFault } from './faults';

export class Reply {
  private readonly stopWork = new AbortController();
  private writes = 0;
  private stalled = false;
  readonly signal = this.stopWork.signal;

  constructor(
    private readonly res: ServerResponse,
    private readonly fault: RequestFault | undefined,
    onClose: (finished: boolean) => void,
  ) {
    res.on('close', () => {
      const finished = res.writableFinished;
      if (!finished) this.stopWork.abort();
      onClose(finished);
    });
  }

  json(status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
    if (!this.mayWrite()) return;
    this.res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    this.res.end(JSON.stringify(body));
  }

  text(status: number, body: string): void {
    if (!this.mayWrite()) return;
    this.res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    this.res.end(body);
  }

  /** Sends the headers at once, so the client can read (and abort) while the prompt is evaluated. */
  startStream(contentType: string): void {
    this.res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-cache' });
    this.res.flushHeaders();
  }

  write(chunk: string): void {
    if (this.mayWrite()) this.res.write(chunk);
  }

  end(): void {
    if (!this.stalled && !this.res.destroyed) this.res.end();
  }

  /** Waits `ms`, or less if the client leaves first. */
  delay(ms: number): Promise<void> {
    const signal = this.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }

  private mayWrite(): boolean {
    if (this.stalled || this.res.destroyed) return false;
    const fault = this.fault;
    if ((fault?.kind === 'reset' || fault?.kind === 'stall') && this.writes >= fault.afterChunks) {
      if (fault.kind === 'reset') this.res.destroy();
      else {
        this.stalled = true;
        this.stopWork.abort();
      }
      return false;
    }
    this.writes++;
    return true;
  }
}
