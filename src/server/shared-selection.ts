import {
  getNamedType,
  getOperationAST,
  isObjectType,
  Kind,
  visit,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * Schema extension (on a field, or on an object type for all its fields)
 * saying what a field's result depends on, so that one execution can serve
 * every subscriber of an operation:
 * - `fromParentAndArguments`: its parent value and its arguments, nothing
 *   else: not the context (principal, tenant, scopes), not the variables
 *   beyond its own arguments, not time or I/O;
 * - `fromParent`: its parent value only (a root subscription field whose
 *   arguments only choose which events arrive, like `events(filter, after)`);
 * - `perSubscriber`: on a field of a marked type, takes it out again.
 * Unmarked fields are assumed to depend on the subscriber.
 */
export const SHARED_RESULT = 'sharedResult';
export type SharedResult = 'fromParent' | 'fromParentAndArguments' | 'perSubscriber';

/** What a shareable operation's results depend on besides the event: these variables. */
export interface SharedSelection {
  variables: readonly string[];
}

const cache = new WeakMap<DocumentNode, Map<string, SharedSelection | null>>();

/**
 * Whether every subscriber of this subscription operation gets the same
 * result for the same event, given the variables it names. The rule: every
 * selected field (through fragments) is marked with SHARED_RESULT, on itself
 * or on its object type; `__typename` always is. A field on an interface or
 * union, or an unmarked one (a field that masks per user, checks a scope or
 * reads the tenant), makes the whole operation per subscriber. Variables in
 * the arguments of a `fromParent` field do not count; all others do.
 * Memoized per document (Yoga caches parsed documents by their text).
 */
export function sharedSelection(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null,
): SharedSelection | null {
  let byName = cache.get(document);
  if (!byName) {
    byName = new Map();
    cache.set(document, byName);
  }
  const key = operationName ?? '';
  if (!byName.has(key)) byName.set(key, analyse(schema, document, operationName));
  return byName.get(key) ?? null;
}

function analyse(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): SharedSelection | null {
  const operation = getOperationAST(document, operationName);
  const root = schema.getSubscriptionType();
  if (operation?.operation !== 'subscription' || !root) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const variables = new Set<string>();
  const collect = (nodes: readonly ASTNode[] | undefined) => {
    for (const node of nodes ?? []) visit(node, { Variable: (variable) => void variables.add(variable.name.value) });
  };
  collect(operation.directives);

  const walk = (selectionSet: SelectionSetNode, type: GraphQLObjectType): boolean =>
    selectionSet.selections.every((selection) => {
      collect(selection.directives);
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === '__typename') return true;
        const field = type.getFields()[selection.name.value];
        const mark = (field?.extensions[SHARED_RESULT] ?? type.extensions[SHARED_RESULT]) as SharedResult | undefined;
        if (!field || (mark !== 'fromParent' && mark !== 'fromParentAndArguments')) return false;
        if (mark === 'fromParentAndArguments') collect(selection.arguments);
        if (!selection.selectionSet) return true;
        const child = getNamedType(field.type);
        return isObjectType(child) && walk(selection.selectionSet, child);
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment) return false;
      if (fragment !== selection) collect(fragment.directives);
      const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
      return condition === type && walk(fragment.selectionSet, type); // validation rules out spreads that loop
    });

  return walk(operation.selectionSet, root) ? { variables: [...variables].sort() } : null;
}
