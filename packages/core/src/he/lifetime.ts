/** Anything SEAL allocates in the WASM heap. */
export interface Deletable {
  delete(): void;
}

/**
 * Frees SEAL objects deterministically: everything `track`ed is deleted when the scope closes (try/finally), so
 * the WASM heap stays bounded no matter how a request ends. node-seal's FinalizationRegistry is only a backstop.
 */
export class SealScope {
  private readonly owned: Deletable[] = [];

  track<T extends Deletable>(object: T): T {
    this.owned.push(object);
    return object;
  }

  /** Stops tracking one object (its ownership moves to the caller). */
  release<T extends Deletable>(object: T): T {
    const i = this.owned.lastIndexOf(object);
    if (i >= 0) this.owned.splice(i, 1);
    return object;
  }

  dispose(): void {
    while (this.owned.length) this.owned.pop()!.delete();
  }
}

export function withScope<T>(run: (scope: SealScope) => T): T {
  const scope = new SealScope();
  try {
    return run(scope);
  } finally {
    scope.dispose();
  }
}
