// A module resolve hook for running memopt from its TypeScript sources (bin/memopt.js registers it in the
// repository only): adds the `memopt-source` export condition, so `import 'memopt'` resolves to src/public-api.ts
// (package.json `exports`). `node --conditions=memopt-source` does the same for a script started by hand.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('memopt-source') ? context.conditions : [...context.conditions, 'memopt-source'];
  return nextResolve(specifier, { ...context, conditions });
}
