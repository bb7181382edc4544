import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidationRule } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { cacheValidation } from '../../src/server/validation-cache.ts';

/** A Yoga configured as the hub's (its own validation cache off, cacheValidation last), with a rule that counts its runs. */
function yogaCountingValidations() {
  let validations = 0;
  const counting: ValidationRule = () => {
    validations += 1;
    return {};
  };
  const addCountingRule: Plugin = { onValidate: ({ addValidationRule }) => addValidationRule(counting) };
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { hello(name: String!): String! }',
      resolvers: { Query: { hello: (_: unknown, { name }: { name: string }) => `hi ${name}` } },
    }),
    parserAndValidationCache: { validationCache: false },
    plugins: [addCountingRule, cacheValidation()],
    logging: false,
  });
  const ask = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await yoga.fetch('http://hub/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: response.status,
      body: (await response.json()) as { data?: unknown; errors?: { message: string }[] },
    };
  };
  return { ask, validations: () => validations };
}

describe('cacheValidation', () => {
  it('validates a document once, however often it is sent, and each request still runs with its own variables', async () => {
    const { ask, validations } = yogaCountingValidations();
    const query = 'query Hello($name: String!) { hello(name: $name) }';
    for (const name of ['ada', 'grace', 'linus']) {
      const { status, body } = await ask(query, { name });
      assert.equal(status, 200);
      assert.deepEqual(body, { data: { hello: `hi ${name}` } });
    }
    assert.equal(validations(), 1);
    await ask('{ hello(name: "x") }');
    assert.equal(validations(), 2, 'another document is validated on its own');
  });

  it('answers an invalid document with the same errors every time, validating it once', async () => {
    const { ask, validations } = yogaCountingValidations();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await ask('{ hello(name: "x") nope }'));
    assert.equal(validations(), 1);
    for (const answer of answers) {
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.body, answers[0]!.body);
      assert.match(answer.body.errors?.[0]?.message ?? '', /Cannot query field "nope"/);
    }
  });
});
