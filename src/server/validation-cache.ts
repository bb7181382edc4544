import type { DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Remembers each document's validation result, by the parsed document Yoga's
 * parse cache hands out again for the same text. Yoga's own validation cache
 * keys its results by the names of every rule (graphql-js's and the hub's),
 * joined into a string on every request. The hub's rules and schema are fixed
 * when it starts, so the document alone is the key. Must come after every
 * plugin that adds a rule, and Yoga's is turned off
 * (`parserAndValidationCache: { validationCache: false }`).
 */
export function cacheValidation(): Plugin {
  const results = new WeakMap<DocumentNode, readonly Error[]>();
  return {
    onValidate({ params: { documentAST }, setResult }) {
      const known = results.get(documentAST);
      if (known) return setResult(known);
      return ({ result }) => {
        results.set(documentAST, result);
      };
    },
  };
}
