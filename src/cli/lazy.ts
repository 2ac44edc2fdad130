// Command modules name their phase functions at load time but import them on first call, so
// `mailshift status` or `sync` does not load the kit's catalogues, the cutover checks, the
// report renderer and the prompt library it never uses (start-up time and baseline memory).

type AsyncFn = (...args: never[]) => Promise<unknown>;

/** An async export of a module, loaded when first called. */
export function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K): M[K] & AsyncFn {
  return (async (...args: unknown[]) => ((await load())[name] as unknown as (...a: unknown[]) => Promise<unknown>)(...args)) as unknown as M[K] & AsyncFn;
}
