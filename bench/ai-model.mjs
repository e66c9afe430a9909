// ai-model.mjs - the stand-in vision model of bench/ai-captions.sh: the tests' strict
// OpenAI-compatible stand-in (tests/api/lib/fake-openai.js) answering every caption request after
// DELAY_MS (default 500) with a caption, alt text and tags. Prints its base URL on stdout; on
// SIGTERM writes {requests, accepted, violations, maxInFlight} to the file named by argv[2] and
// exits.
import { writeFileSync } from 'node:fs';
import { FakeOpenAI, FAKE_KEY, FAKE_MODEL, caption } from '../tests/api/lib/fake-openai.js';

const statsPath = process.argv[2];
const delayMs = Number(process.env.DELAY_MS || 500);
const model = await new FakeOpenAI().start();
model.defaultAnswer = { delayMs, content: caption({ caption: 'A benchmark photo of blurred noise.',
  altText: 'Blurred noise', tags: ['noise', 'benchmark'] }) };
process.stdout.write(`${model.baseUrl} ${FAKE_KEY} ${FAKE_MODEL}\n`);

process.on('SIGTERM', async () => {
  writeFileSync(statsPath, JSON.stringify({ requests: model.requests.length, accepted: model.accepted.length,
    violations: model.violations.slice(0, 5), maxInFlight: model.maxInFlight }));
  await model.stop();
  process.exit(0);
});
