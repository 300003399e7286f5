// Node 20 lacks Promise.withResolvers, which DevTools' worker uses; imported
// first by devtools-ref.ts so it is in place before the worker code runs.
const P = Promise as unknown as {withResolvers?: unknown};
if (!P.withResolvers) {
  P.withResolvers = function<T>(): {promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void} {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return {promise, resolve, reject};
  };
}
export {};
