import {
  BREAK,
  getNamedType,
  getOperationAST,
  isScalarType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
} from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** Runs on graphql-js before a document is compiled, so one-off documents never pay for compiling (tens of ms when large). */
const COMPILE_AFTER_RUNS = 10;

type Jit = typeof import('graphql-jit');
/**
 * graphql-jit (with fast-json-stringify and its helpers, megabytes of heap)
 * is loaded when a document first reaches COMPILE_AFTER_RUNS, not at start:
 * an idle hub, or one that only serves subscriptions, never holds it. Until
 * it has loaded, documents keep running on graphql-js.
 */
let jit: Jit | 'loading' | null = null;
function loadJit(): void {
  if (jit !== null) return;
  jit = 'loading';
  import('graphql-jit').then(
    (module) => {
      jit = module;
    },
    () => {
      jit = null; // tried again by the next document that qualifies; meanwhile graphql-js runs it
    },
  );
}

interface Compilation {
  schema: GraphQLSchema;
  runs: number;
  /** undefined: not yet decided; null: stays on graphql-js. */
  compiled: CompiledQuery | null | undefined;
}

/**
 * Queries and mutations that run again and again execute as code compiled
 * once per document (graphql-jit), which coerces variables and walks the
 * selection set far faster than graphql-js. Only where graphql-jit answers
 * exactly as graphql-js does; everything else stays on graphql-js:
 * - subscriptions: graphql-jit hands `subscribe` the variables instead of
 *   the field's arguments (graphql-jit issue #183), so inline filters vanish;
 * - object and list literals, and literals of scalars whose parseLiteral
 *   reads variables (JSON): graphql-jit parses those without the variables;
 * - variables that do not coerce: nothing has run yet, and graphql-js words
 *   the errors (and picks the HTTP status) the way clients expect.
 */
export function useCompiledExecution(): Plugin {
  const byDocument = new WeakMap<DocumentNode, Map<string, Compilation>>();

  function compiledFor({ schema, document, operationName }: ExecutionArgs): CompiledQuery | null {
    let byOperation = byDocument.get(document);
    if (!byOperation) {
      byOperation = new Map();
      byDocument.set(document, byOperation);
    }
    let entry = byOperation.get(operationName ?? '');
    if (!entry) {
      entry = { schema, runs: 0, compiled: undefined };
      byOperation.set(operationName ?? '', entry);
    }
    if (entry.schema !== schema) return null;
    if (entry.compiled !== undefined) return entry.compiled;
    if (++entry.runs < COMPILE_AFTER_RUNS) return null;
    if (jit === null || jit === 'loading') {
      loadJit();
      return null;
    }
    const result = isCompilable(schema, document, operationName)
      ? jit.compileQuery(schema, document, operationName ?? undefined)
      : null;
    entry.compiled = result && jit.isCompiledQuery(result) ? result : null;
    return entry.compiled;
  }

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const compiled = compiledFor(args);
      if (!compiled) return;
      setExecuteFn(async (execution) => {
        const result = await compiled.query(execution.rootValue, execution.contextValue, execution.variableValues);
        return 'data' in result ? result : executeFn(execution);
      });
    },
  };
}

function isCompilable(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): boolean {
  const operation = getOperationAST(document, operationName)?.operation;
  if (operation !== 'query' && operation !== 'mutation') return false;
  const typeInfo = new TypeInfo(schema);
  let compilable = true;
  const refuse = () => {
    compilable = false;
    return BREAK;
  };
  const literal = () => {
    const type = getNamedType(typeInfo.getInputType());
    return isScalarType(type) && type.parseLiteral.length > 1 ? refuse() : undefined;
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.OBJECT]: refuse,
      [Kind.LIST]: refuse,
      [Kind.STRING]: literal,
      [Kind.INT]: literal,
      [Kind.FLOAT]: literal,
      [Kind.BOOLEAN]: literal,
      [Kind.ENUM]: literal,
      [Kind.NULL]: literal,
    }),
  );
  return compilable;
}
