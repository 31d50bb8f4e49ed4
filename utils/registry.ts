/**
 * One generic plugin registry, used for tokenizers, models, trainers and sampling strategies.
 *
 * Entries live as constant bindings on an inversify container, one namespace per kind, so a user can
 * register a plugin in one line and every training, sampling and statistics path finds it by name.
 * This module imports nothing from the project, so every layer may use it.
 */
import { Container } from 'inversify';

/** The container holding the built-in registries; callers may pass their own to isolate plugins. */
export const pluginContainer = new Container();

export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface RegistryOptions<T> {
  /** Human name of the kind, used in error messages ("tokenizer", "model", …). */
  kind: string;
  /** Rejects entries that are not of the expected kind; returns a reason or null. */
  check?: (entry: T) => string | null;
  container?: Container;
}

export class Registry<T> {
  readonly kind: string;
  readonly #container: Container;
  readonly #check: ((entry: T) => string | null) | undefined;
  // The container has no listing API, so names are tracked beside it in registration order.
  readonly #names: string[] = [];

  constructor(options: RegistryOptions<T>) {
    this.kind = options.kind;
    this.#container = options.container ?? pluginContainer;
    this.#check = options.check;
  }

  #key(name: string): symbol {
    return Symbol.for(`cleangpt:${this.kind}:${name}`);
  }

  register(name: string, entry: T): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new RegistryError(`${this.kind} name must be a non-empty string`);
    }
    if (this.has(name)) {
      throw new RegistryError(
        `${this.kind} "${name}" is already registered; unregister it first or pick another name`,
      );
    }
    const problem = this.#check?.(entry) ?? null;
    if (problem !== null) throw new RegistryError(`cannot register ${this.kind} "${name}": ${problem}`);
    this.#container.bind<T>(this.#key(name)).toConstantValue(entry);
    this.#names.push(name);
  }

  unregister(name: string): void {
    if (!this.has(name)) throw this.#unknown(name);
    this.#container.unbind(this.#key(name));
    this.#names.splice(this.#names.indexOf(name), 1);
  }

  has(name: string): boolean {
    return this.#container.isBound(this.#key(name));
  }

  get(name: string): T {
    if (!this.has(name)) throw this.#unknown(name);
    return this.#container.get<T>(this.#key(name));
  }

  list(): string[] {
    return [...this.#names];
  }

  #unknown(name: string): RegistryError {
    const known = this.#names.length > 0 ? this.#names.join(', ') : '(none)';
    return new RegistryError(`unknown ${this.kind} "${name}"; registered: ${known}`);
  }
}

/** True when `ctor` is `base` or a subclass of it (walks the prototype chain of constructors). */
export function isSubclassOf(ctor: unknown, base: abstract new (...args: never[]) => unknown): boolean {
  if (typeof ctor !== 'function') return false;
  return ctor === base || ctor.prototype instanceof base;
}
