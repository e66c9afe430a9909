// ai.js - the vision model of the e2e suite: the strict OpenAI-compatible stand-in of the API
// tests (tests/api/lib/fake-openai.js) answering every caption call with one known caption, alt
// text and tags, and the requests it accepted (a request that breaks the contract is refused
// and recorded as a violation, which the tests check stays empty).
import { FakeOpenAI, caption } from '../../api/lib/fake-openai.js';

export const MODEL_ANSWER = {
  caption: 'An orange cat naps on a sunny windowsill.',
  altText: 'Orange cat asleep by a window',
  tags: ['cat', 'orange', 'windowsill'],
};

// Started on 127.0.0.1; `apiKey` is the key the console must send as the bearer.
export async function startModel({ apiKey = 'sk-e2e-secret-key-0123456789', model = 'vision-e2e-1' } = {}) {
  const fake = await new FakeOpenAI({ apiKey, model }).start();
  fake.defaultAnswer = { content: caption(MODEL_ANSWER) };
  return {
    baseUrl: fake.baseUrl,
    apiKey,
    modelName: model,
    ...MODEL_ANSWER,
    requests: () => fake.accepted,
    // The next answers, in order (see fake-openai.js: { status, retryAfter, message }, …).
    script: (...answers) => fake.script(...answers),
    violations: () => fake.violations,
    stop: () => fake.stop(),
  };
}
