import type { FactoryVariant } from './types.ts';

/** Which user part threw, and in which call: the variant's label, the interface it implements, the method. */
export interface UserPartCall {
  /** The variant's label in the scenario (e.g. 'mine'). */
  label: string;
  /** The interface the factory's object implements (the driver's `factory.part`, e.g. 'VectorIndex'). */
  part: string;
  /** The call that threw: 'factory' for the scenario's factory itself, else the method name ('search'). */
  call: string;
}

/** Errors thrown by a user's part, with the part and call that threw them; the error itself is left as it was. */
const thrownBy = new WeakMap<object, UserPartCall>();

/** The user part (and its call) that threw this error, if it came from one. */
export function userPartOf(error: unknown): UserPartCall | undefined {
  return typeof error === 'object' && error !== null ? thrownBy.get(error) : undefined;
}

/** 'mine (your VectorIndex) threw in search()'. */
export function describeUserPartCall(call: UserPartCall): string {
  return call.call === 'factory'
    ? `${call.label} (the scenario's factory for its ${call.part}) threw`
    : `${call.label} (your ${call.part}) threw in ${call.call}()`;
}

/**
 * Records which part threw. The error object is kept as it is (its class and fields still decide what a driver and
 * the runner do with it, e.g. a lost text); the innermost part wins. A thrown non-object becomes an Error.
 */
function mark(error: unknown, call: UserPartCall): unknown {
  const value = typeof error === 'object' && error !== null ? error : new Error(String(error));
  if (!thrownBy.has(value)) thrownBy.set(value, call);
  return value;
}

/**
 * Calls a factory variant's factory and returns its part with every method watched: an error it throws or rejects
 * with is marked with the variant, the interface and the method, so a failed run names them (and keeps the stack).
 *
 * The watch is a Proxy whose methods call the original with the part itself as `this` (so private fields work);
 * properties pass through. Its cost per call is one closure call and a try/catch, plus one `.then` on a promise
 * result: small beside any index search or embedding, and it applies to the user's side only.
 */
export async function buildUserPart<A extends { params: Readonly<Record<string, unknown>> }, T extends object>(
  variant: FactoryVariant<(args: A) => T | Promise<T>>,
  part: string,
  args: Omit<A, 'params'>,
): Promise<T> {
  const who = { label: variant.label, part };
  let built: T;
  try {
    // The variant's own params (a sweep point's value in place) go to the factory with the driver's context.
    built = await variant.factory({ ...args, params: variant.params ?? {} } as A);
  } catch (error) {
    throw mark(error, { ...who, call: 'factory' });
  }
  return typeof built === 'object' && built !== null ? watchUserPart(built, who) : built;
}

/** The part with every method watched (see buildUserPart). */
export function watchUserPart<T extends object>(target: T, who: Omit<UserPartCall, 'call'>): T {
  const wrapped = new Map<PropertyKey, { original: unknown; watched: unknown }>();
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      const cached = wrapped.get(prop);
      if (cached && cached.original === value) return cached.watched;
      const call = { ...who, call: String(prop) };
      const watched = function (this: unknown, ...args: unknown[]) {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(obj, args);
        } catch (error) {
          throw mark(error, call);
        }
        if (result instanceof Promise) {
          return result.then(undefined, (error: unknown) => {
            throw mark(error, call);
          });
        }
        return result;
      };
      wrapped.set(prop, { original: value, watched });
      return watched;
    },
  });
}
