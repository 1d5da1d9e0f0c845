/** A reusable "something changed" signal: `wait()` resolves at the next `notify()`. */
export class Wake {
  #resolve: (() => void) | undefined;
  #promise: Promise<void> | undefined;

  readonly notify = (): void => {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#promise = undefined;
    resolve?.();
  };

  wait(): Promise<void> {
    this.#promise ??= new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    return this.#promise;
  }
}
