/**
 * Runs async work one piece at a time, in call order. A Durable Object lets other requests in
 * while it awaits anything but its own storage, so a read-decide-write that awaits another
 * object must run through one of these.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
