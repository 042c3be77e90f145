// `moltbot serve` driven by the official `openai` npm client (pinned in package.json, installed by
// scripts/install-node-deps.sh), against the project's OpenRouter simulator. Each group starts its own simulator and
// gateway (fresh state folder, so cooldowns left by one group's faults cannot change another's answers) and stops
// both by PID in `after`, whatever happened. What reached the upstream is read back from the simulator's request log.
//
//   meson test -C build gateway-openai-sdk     or, by hand:   tests/gateway/run_node_tests.sh
//   (MOLTBOT_BIN and MOLTBOT_SIMULATOR default to build/; MOLTBOT_TEST_TIME_SCALE=3 stretches every timeout)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import OpenAI from 'openai';

import { Gateway, SIM_KEY, Simulator, marker, ms, simAnswer, simTokens, simToolAnswer, sleep } from './harness.mjs';

const PRIMARY = 'openrouter/anthropic/claude-sonnet-4.5';
const FALLBACK = 'openrouter/openai/gpt-5.2';
const MINI = 'openrouter/openai/gpt-4o-mini';
const ROUTING = { order: ['amazon-bedrock', 'anthropic'], allow_fallbacks: true };

// The snippets of docs/providers/openrouter.md together (as scripts/demo.sh writes them), plus an alias for a model
// that gets no cache markers, so its messages must reach the wire byte for byte.
const CONFIG = `{
  gateway: { maxBodyBytes: 1048576 },
  agents: {
    defaults: {
      model: {
        primary: "openrouter/anthropic/claude-sonnet-4.5",
        fallbacks: ["openrouter/openai/gpt-5.2"],
      },
      models: {
        "openrouter/anthropic/claude-sonnet-4.5": {
          alias: "sonnet",
          provider: { order: ["amazon-bedrock", "anthropic"], allow_fallbacks: true },
          params: { temperature: 0.7, maxTokens: 4096, cacheControlTtl: "1h" },
        },
        "openrouter/openai/gpt-4o-mini": { alias: "mini" },
      },
    },
  },
}
`;

const TEST = { timeout: ms(60000) };
const HOOK = { timeout: ms(60000) };
// The client key: the gateway needs none on loopback, and must never pass this one upstream.
const CLIENT_KEY = 'sk-client-side-token-that-must-stay-local';

function client(gateway, options = {}) {
  return new OpenAI({ apiKey: CLIENT_KEY, baseURL: gateway.v1, maxRetries: 0, timeout: ms(60000), ...options });
}

// Runs `fn` and returns the error it throws (fails when it throws none).
async function rejection(fn) {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected the call to fail');
}

// Assembles a streamed chat completion: content, tool calls (merged by index), finish reason, the chunks.
async function collect(stream) {
  const chunks = [];
  let content = '';
  let finishReason = null;
  const toolCalls = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    for (const choice of chunk.choices) {
      if (choice.delta?.content) content += choice.delta.content;
      for (const call of choice.delta?.tool_calls ?? []) {
        const slot = (toolCalls[call.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (call.id) slot.id = call.id;
        if (call.type) slot.type = call.type;
        if (call.function?.name) slot.function.name += call.function.name;
        if (call.function?.arguments) slot.function.arguments += call.function.arguments;
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  }
  return { chunks, content, finishReason, toolCalls };
}

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('moltbot serve with the openai SDK', () => {
  let sim;
  let gateway;
  let openai;

  before(async () => {
    sim = await Simulator.start();
    gateway = await Gateway.start({ simulator: sim, config: CONFIG });
    openai = client(gateway);
  }, HOOK);

  after(async () => {
    await gateway?.stop();
    await sim?.stop();
  }, HOOK);

  test('health and readiness', TEST, async () => {
    assert.equal((await gateway.request('GET', '/health')).status, 200);
    assert.equal((await gateway.request('GET', '/ready')).status, 200);
  });

  test('a non-streaming answer has every field of a chat.completion', TEST, async () => {
    const text = `hello ${marker('plain')}`;
    const before = Math.floor(Date.now() / 1000) - 5;
    const { data: completion, response } = await openai.chat.completions
      .create({ model: 'mini', messages: [{ role: 'user', content: text }] })
      .withResponse();
    const expected = simAnswer('gpt-4o-mini', 'OpenAI', text);

    assert.equal(response.status, 200);
    assert.equal(typeof completion.id, 'string');
    assert.ok(completion.id.length > 0);
    assert.equal(completion.object, 'chat.completion');
    assert.ok(Number.isInteger(completion.created) && completion.created >= before, `created ${completion.created}`);
    assert.ok(completion.created <= Math.floor(Date.now() / 1000) + 5);
    assert.equal(completion.model, MINI);
    assert.ok('system_fingerprint' in completion, 'system_fingerprint is missing');
    assert.equal(completion.choices.length, 1);
    const [choice] = completion.choices;
    assert.equal(choice.index, 0);
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, expected);

    const { usage } = completion;
    assert.equal(usage.prompt_tokens, simTokens(text));
    assert.equal(usage.completion_tokens, simTokens(expected));
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.equal(usage.prompt_tokens_details?.cached_tokens, 0);
    assert.equal(typeof usage.cost, 'number', 'usage.cost: the simulator gives one');

    assert.equal(response.headers.get('x-moltbot-model'), MINI);
    assert.equal(response.headers.get('x-moltbot-attempts'), '1');
    const wire = await sim.wire(text);
    assert.equal(wire.length, 1);
    assert.equal(wire[0].body.model, 'openai/gpt-4o-mini');
  });

  test('a streamed answer assembles to the simulator answer', TEST, async () => {
    const text = `stream me ${marker('stream')} please`;
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'mini', messages: [{ role: 'user', content: text }], stream: true })
      .withResponse();
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(response.headers.get('x-moltbot-model'), MINI);
    const { chunks, content, finishReason } = await collect(stream);

    assert.equal(content, simAnswer('gpt-4o-mini', 'OpenAI', text));
    assert.equal(finishReason, 'stop');
    assert.ok(chunks.length >= 3, `only ${chunks.length} chunks`);
    for (const chunk of chunks) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.id, chunks[0].id, 'every chunk carries the same id');
      assert.equal(chunk.model, MINI);
      assert.ok(Number.isInteger(chunk.created));
    }
    // Without include_usage no chunk has empty choices.
    assert.ok(chunks.every((chunk) => chunk.choices.length > 0), 'a usage-only chunk came without include_usage');
    const wire = await sim.wire(text);
    assert.equal(wire.length, 1);
    assert.equal(wire[0].body.stream, true);
  });

  test('stream_options.include_usage ends with a usage chunk with empty choices', TEST, async () => {
    const text = `count my tokens ${marker('usage')}`;
    const stream = await openai.chat.completions.create({
      model: 'mini',
      messages: [{ role: 'user', content: text }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, content } = await collect(stream);
    const expected = simAnswer('gpt-4o-mini', 'OpenAI', text);
    assert.equal(content, expected);
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage.prompt_tokens, simTokens(text));
    assert.equal(last.usage.completion_tokens, simTokens(expected));
    assert.equal(last.usage.total_tokens, last.usage.prompt_tokens + last.usage.completion_tokens);
    assert.equal(last.usage.prompt_tokens_details?.cached_tokens, 0);
    // Only the last chunk carries usage (OpenAI sends null elsewhere).
    for (const chunk of chunks.slice(0, -1)) assert.ok(chunk.usage == null, 'usage before the last chunk');
  });

  for (const streaming of [false, true]) {
    test(`tools round trip (${streaming ? 'streaming' : 'non-streaming'})`, TEST, async () => {
      const text = `Call get_weather for Paris ${marker('tools')}`.slice(0, 50);
      const messages = [{ role: 'user', content: text }];
      const first = { model: 'sonnet', messages, tools: [WEATHER_TOOL], tool_choice: 'auto' };

      let call;
      if (streaming) {
        const { toolCalls, finishReason, content } = await collect(
          await openai.chat.completions.create({ ...first, stream: true }),
        );
        assert.equal(finishReason, 'tool_calls');
        assert.equal(content, '');
        assert.equal(toolCalls.length, 1);
        [call] = toolCalls;
      } else {
        const completion = await openai.chat.completions.create(first);
        const [choice] = completion.choices;
        assert.equal(choice.finish_reason, 'tool_calls');
        assert.equal(choice.message.content, null);
        assert.equal(choice.message.tool_calls.length, 1);
        [call] = choice.message.tool_calls;
      }
      assert.equal(call.type, 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.match(call.id, /^toolu_sim_/);
      assert.deepEqual(JSON.parse(call.function.arguments), { city: text });

      const [sent] = await sim.wire(text);
      assert.deepEqual(sent.body.tools, [WEATHER_TOOL]);
      assert.equal(sent.body.tool_choice, 'auto');

      const result = `22 C and sunny (${streaming ? 'streamed' : 'plain'})`;
      const followUp = {
        model: 'sonnet',
        tools: [WEATHER_TOOL],
        messages: [
          ...messages,
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: result },
        ],
      };
      let answer;
      if (streaming) {
        const collected = await collect(await openai.chat.completions.create({ ...followUp, stream: true }));
        assert.equal(collected.finishReason, 'stop');
        answer = collected.content;
      } else {
        const completion = await openai.chat.completions.create(followUp);
        assert.equal(completion.choices[0].finish_reason, 'stop');
        answer = completion.choices[0].message.content;
      }
      assert.equal(answer, simToolAnswer('claude-sonnet-4.5', 'Amazon Bedrock', result));

      const wire = await sim.wire(result);
      assert.equal(wire.length, 1);
      const upstream = wire[0].body.messages;
      assert.deepEqual(upstream[1].tool_calls, [call], 'the assistant tool call reached the wire as sent');
      assert.equal(upstream[2].role, 'tool');
      assert.equal(upstream[2].tool_call_id, call.id);
      assert.equal(upstream[2].content, result);
    });
  }

  test('response_format, image parts, sampling fields and unknown fields reach the wire untouched', TEST, async () => {
    const text = `describe ${marker('passthrough')}`;
    const messages = [
      { role: 'system', content: 'You answer in JSON.' },
      {
        role: 'user',
        content: [
          { type: 'text', text },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE=', detail: 'low' } },
        ],
      },
    ];
    const responseFormat = {
      type: 'json_schema',
      json_schema: {
        name: 'answer',
        strict: true,
        schema: {
          type: 'object',
          properties: { summary: { type: 'string' }, score: { type: 'number', minimum: 0, maximum: 1 } },
          required: ['summary', 'score'],
          additionalProperties: false,
        },
      },
    };
    const extra = {
      seed: 42,
      stop: ['END', '\n\n'],
      user: 'user-1234',
      top_p: 0.9,
      parallel_tool_calls: false,
      reasoning: { effort: 'low' },
      logit_bias: { 50256: -100 },
      x_unknown_field: { nested: [1, 'two', { three: null }], flag: true },
    };
    const completion = await openai.chat.completions.create({
      model: 'mini',
      messages,
      response_format: responseFormat,
      ...extra,
    });
    assert.equal(completion.choices[0].message.content, simAnswer('gpt-4o-mini', 'OpenAI', text));

    const wire = await sim.wire(text);
    assert.equal(wire.length, 1);
    const { body } = wire[0];
    assert.deepEqual(body.response_format, responseFormat);
    assert.deepEqual(body.messages, messages);
    for (const [name, value] of Object.entries(extra)) assert.deepEqual(body[name], value, `field ${name}`);
  });

  test("the client's Authorization and cookies are not forwarded; the configured key is", TEST, async () => {
    const text = `who am I ${marker('auth')}`;
    const withCookie = client(gateway, { defaultHeaders: { cookie: 'session=client-cookie-value' } });
    await withCookie.chat.completions.create({ model: 'mini', messages: [{ role: 'user', content: text }] });
    const [sent] = await sim.wire(text);
    const headers = Object.fromEntries(Object.entries(sent.headers).map(([name, value]) => [name.toLowerCase(), value]));
    assert.equal(headers.authorization, `Bearer ${SIM_KEY}`);
    assert.ok(!('cookie' in headers), `a cookie went upstream: ${headers.cookie}`);
    const everything = JSON.stringify(sent);
    assert.ok(!everything.includes(CLIENT_KEY), 'the client key reached the upstream');
    assert.ok(!everything.includes('client-cookie-value'), 'the client cookie reached the upstream');
  });

  test("the config's provider routing, params and cacheControlTtl reach the wire", TEST, async () => {
    const text = `configured ${marker('config')}`;
    const completion = await openai.chat.completions.create({ model: PRIMARY, messages: [{ role: 'user', content: text }] });
    assert.equal(completion.choices[0].message.content, simAnswer('claude-sonnet-4.5', 'Amazon Bedrock', text));
    assert.equal(completion.model, PRIMARY);

    const [sent] = await sim.wire(text);
    assert.equal(sent.body.model, 'anthropic/claude-sonnet-4.5');
    assert.deepEqual(sent.body.provider, ROUTING);
    assert.equal(sent.provider_slug, 'amazon-bedrock', 'provider.order put Amazon Bedrock first');
    assert.equal(sent.body.temperature, 0.7);
    assert.equal(sent.body.max_tokens, 4096);
    assert.ok(!('cacheControlTtl' in sent.body), 'cacheControlTtl is a moltbot option, not a wire field');
    const markers = JSON.stringify(sent.body).match(/"cache_control":\{[^}]*\}/g) ?? [];
    assert.ok(markers.length > 0, 'no cache_control marker on the wire');
    for (const found of markers) assert.deepEqual(JSON.parse(`{${found}}`).cache_control, { type: 'ephemeral', ttl: '1h' });
  });

  test("a request's own temperature and max_tokens win over the config's params", TEST, async () => {
    const text = `my own params ${marker('override')}`;
    await openai.chat.completions.create({
      model: 'sonnet',
      messages: [{ role: 'user', content: text }],
      temperature: 0.2,
      max_tokens: 300,
    });
    const [sent] = await sim.wire(text);
    assert.equal(sent.body.temperature, 0.2);
    assert.equal(sent.body.max_tokens, 300);
    assert.deepEqual(sent.body.provider, ROUTING, 'the rest of the config still applies');
  });

  test('prompt caching through the gateway: the second identical long prompt reads the cache', TEST, async () => {
    const system = `${marker('cache')} ${'The quick brown fox jumps over the lazy dog. '.repeat(150)}`;
    const ask = () =>
      openai.chat.completions.create({
        model: 'sonnet',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: 'Summarise the reference.' },
        ],
      });
    const first = await ask();
    const second = await ask();
    assert.ok(first.usage.prompt_tokens > 1024, `prompt_tokens ${first.usage.prompt_tokens}`);
    assert.equal(first.usage.prompt_tokens_details.cached_tokens, 0);
    assert.ok(second.usage.prompt_tokens_details.cached_tokens > 1000, JSON.stringify(second.usage));
    assert.ok(second.usage.cost < first.usage.cost, 'a cache read costs less');
  });

  test('an alias as model, and no model at all (the configured primary)', TEST, async () => {
    const viaAlias = `by alias ${marker('alias')}`;
    const { data: aliased, response } = await openai.chat.completions
      .create({ model: 'mini', messages: [{ role: 'user', content: viaAlias }] })
      .withResponse();
    assert.equal(aliased.model, MINI);
    assert.equal(response.headers.get('x-moltbot-model'), MINI);
    assert.equal((await sim.wire(viaAlias))[0].body.model, 'openai/gpt-4o-mini');

    const viaSonnet = `by sonnet ${marker('alias')}`;
    const sonnet = await openai.chat.completions.create({ model: 'SONNET', messages: [{ role: 'user', content: viaSonnet }] });
    assert.equal(sonnet.model, PRIMARY, 'aliases are case-insensitive');

    const noModel = `no model ${marker('primary')}`;
    // The SDK's types want a model; the API call works without one (JSON drops the undefined field).
    const primary = await openai.chat.completions.create({ model: undefined, messages: [{ role: 'user', content: noModel }] });
    assert.equal(primary.model, PRIMARY);
    assert.equal(primary.choices[0].message.content, simAnswer('claude-sonnet-4.5', 'Amazon Bedrock', noModel));
    const [sent] = await sim.wire(noModel);
    assert.equal(sent.body.model, 'anthropic/claude-sonnet-4.5');
    assert.deepEqual(sent.body.provider, ROUTING);
  });

  test('an unknown model is a 404 NotFoundError with a suggestion, never a fallback', TEST, async () => {
    const text = `typo ${marker('unknown')}`;
    const error = await rejection(() =>
      openai.chat.completions.create({
        model: 'openrouter/anthropic/claude-sonet-4.5',
        messages: [{ role: 'user', content: text }],
      }),
    );
    assert.ok(error instanceof OpenAI.NotFoundError, `${error.constructor.name}: ${error.message}`);
    assert.equal(error.status, 404);
    assert.match(error.message, /did you mean/i);
    assert.match(error.message, /claude-sonnet-4\.5/);
    assert.equal(typeof error.error?.type, 'string', 'error.type');
    // Nothing answered in its place.
    for (const sent of await sim.wire(text)) assert.equal(sent.body.model, 'anthropic/claude-sonet-4.5');

    const prefix = await rejection(() =>
      openai.chat.completions.create({ model: 'openruoter/openai/gpt-4o-mini', messages: [{ role: 'user', content: text }] }),
    );
    assert.ok(prefix instanceof OpenAI.NotFoundError, `${prefix.constructor.name}: ${prefix.message}`);
    assert.match(prefix.message, /did you mean/i);
    assert.match(prefix.message, /openrouter/);
    assert.equal((await sim.wire(text)).filter((sent) => sent.body.model !== 'anthropic/claude-sonet-4.5').length, 0);
  });

  test('bad bodies are 400s in OpenAI error shape', TEST, async () => {
    for (const body of ['{"model": "mini", "messages": [', '[1, 2]', '{"model": "mini"}']) {
      const reply = await gateway.request('POST', '/v1/chat/completions', { body });
      assert.equal(reply.status, 400, `${body} -> ${reply.status} ${reply.text}`);
      assert.equal(typeof reply.json?.error?.message, 'string', reply.text);
      assert.equal(typeof reply.json.error.type, 'string', reply.text);
      assert.ok('code' in reply.json.error, reply.text);
    }
    const missing = await rejection(() => openai.chat.completions.create({ model: 'mini' }));
    assert.ok(missing instanceof OpenAI.BadRequestError, `${missing.constructor.name}: ${missing.message}`);
    const offset = await gateway.request('POST', '/v1/chat/completions', { body: '{"messages": [}' });
    assert.match(offset.json.error.message, /14/, 'the message gives the byte offset');

    const wrongMethod = await gateway.request('GET', '/v1/chat/completions');
    assert.equal(wrongMethod.status, 405, wrongMethod.text);
    assert.equal(typeof wrongMethod.json?.error?.message, 'string', wrongMethod.text);
    const nowhere = await gateway.request('GET', '/v1/nowhere');
    assert.equal(nowhere.status, 404, nowhere.text);
    assert.equal(typeof nowhere.json?.error?.message, 'string', nowhere.text);
  });

  // On a raw socket, so that a poisoned connection cannot be handed to the other tests by fetch's pool.
  test('an answer that leaves the request body unread does not break the next request on the connection', TEST, async () => {
    const body = '{"messages":[{"role":"user","content":"hi"}]}';
    const cases = [
      `POST /v1/nowhere HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      `PUT /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      'GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}',
    ];
    for (const first of cases) {
      const replies = await gateway.twoOnOneConnection(first, 'GET /health HTTP/1.1\r\nHost: t\r\n\r\n');
      const request = first.slice(0, first.indexOf(' HTTP/1.1'));
      assert.ok(replies.length >= 1, `${request}: no answer`);
      // Either the server closed the connection after the first answer, or the second request was answered as sent.
      if (replies.length === 2) {
        assert.equal(replies[1].status, 200, `${request} with a body, then GET /health on the same connection: ${replies[1].status} ${replies[1].body}`);
      } else {
        assert.match(replies[0].connection ?? '', /close/i, `${request}: one answer, yet the connection was kept open`);
      }
    }
  });

  test('a body over gateway.maxBodyBytes is a 413, and the server goes on serving', TEST, async () => {
    const text = `too big ${marker('413')}`;
    const error = await rejection(() =>
      openai.chat.completions.create({ model: 'mini', messages: [{ role: 'user', content: text + 'x'.repeat(2 << 20) }] }),
    );
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 413, error.message);
    assert.match(error.message, /maxBodyBytes|larger/);
    assert.equal((await sim.wire(text)).length, 0, 'the oversized request went upstream');
    const after = await openai.chat.completions.create({ model: 'mini', messages: [{ role: 'user', content: text }] });
    assert.equal(after.choices[0].message.content, simAnswer('gpt-4o-mini', 'OpenAI', text));
  });

  test('GET /v1/models lists every model as a ref, and the aliases, without asking upstream', TEST, async () => {
    const catalogCalls = async () => (await sim.requests()).filter((r) => r.path.endsWith('/models')).length;
    const before = await catalogCalls();
    const ids = [];
    for await (const model of openai.models.list()) {
      ids.push(model.id);
      assert.equal(model.object, 'model');
    }
    const again = [];
    for await (const model of openai.models.list()) again.push(model.id);
    assert.deepEqual(again, ids);
    assert.ok(ids.length >= 400, `${ids.length} models`);
    for (const ref of [PRIMARY, FALLBACK, MINI, 'openrouter/meta-llama/llama-3.3-70b-instruct']) {
      assert.ok(ids.includes(ref), `${ref} is missing`);
    }
    assert.ok(ids.includes('sonnet') && ids.includes('mini'), 'the configured aliases are missing');
    assert.equal(await catalogCalls(), before, 'listing models asked the upstream');
  });

  test('200 concurrent requests are all answered, each with its own prompt', { timeout: ms(180000) }, async () => {
    const tag = marker('concurrent');
    const prompts = Array.from({ length: 200 }, (_, i) => `concurrent ${i} of ${tag}`);
    const answers = await Promise.all(
      prompts.map((text, i) =>
        openai.chat.completions
          .create({ model: i % 2 ? 'mini' : 'sonnet', messages: [{ role: 'user', content: text }], stream: i % 4 === 3 })
          .then(async (reply) => (i % 4 === 3 ? (await collect(reply)).content : reply.choices[0].message.content)),
      ),
    );
    answers.forEach((answer, i) => {
      const expected =
        i % 2 ? simAnswer('gpt-4o-mini', 'OpenAI', prompts[i]) : simAnswer('claude-sonnet-4.5', 'Amazon Bedrock', prompts[i]);
      assert.equal(answer, expected, `request ${i}`);
    });
    assert.equal((await sim.wire(tag)).length, 200, 'each request reached the upstream once');
  });
});

describe('fallbacks and upstream failures', () => {
  let sim;
  let gateway;
  let openai;

  before(async () => {
    sim = await Simulator.start();
    gateway = await Gateway.start({ simulator: sim, config: CONFIG });
    openai = client(gateway);
  }, HOOK);

  after(async () => {
    await gateway?.stop();
    await sim?.stop();
  }, HOOK);

  // Each test fails its own models (a failed model cools down for the gateway's lifetime) and clears its faults.

  test('a 503 on the primary: the configured fallback answers, and the headers say so', TEST, async () => {
    await sim.faults([{ kind: 'http', status: 503, match: { model: 'anthropic/claude-sonnet-4.5' }, times: 10 }]);
    try {
      const text = `fall back ${marker('fallback')}`;
      const { data: completion, response } = await openai.chat.completions
        .create({ messages: [{ role: 'user', content: text }], model: 'sonnet' })
        .withResponse();
      assert.equal(completion.choices[0].message.content, simAnswer('gpt-5.2', 'OpenAI', text));
      assert.equal(completion.model, FALLBACK);
      assert.equal(response.headers.get('x-moltbot-model'), FALLBACK);
      assert.equal(response.headers.get('x-moltbot-attempts'), '2');
      const wire = await sim.wire(text);
      assert.ok(wire.length >= 2);
      assert.ok(wire.slice(0, -1).every((sent) => sent.body.model === 'anthropic/claude-sonnet-4.5' && sent.status === 503));
      assert.equal(wire.at(-1).body.model, 'openai/gpt-5.2');
      assert.equal(wire.at(-1).status, 200);
    } finally {
      await sim.clearFaults();
    }
  });

  test('the failed primary cools down: the next request goes straight to the fallback', TEST, async () => {
    const text = `cooling ${marker('cooldown')}`;
    const { data: completion, response } = await openai.chat.completions
      .create({ model: 'sonnet', messages: [{ role: 'user', content: text }] })
      .withResponse();
    assert.equal(completion.model, FALLBACK);
    assert.equal(response.headers.get('x-moltbot-model'), FALLBACK);
    assert.deepEqual((await sim.wire(text)).map((sent) => sent.body.model), ['openai/gpt-5.2']);
  });

  test('a streamed request falls back too, and its headers and chunks name the model that answered', TEST, async () => {
    await sim.faults([{ kind: 'http', status: 503, match: { model: 'openai/gpt-4.1' }, times: 10 }]);
    try {
      const text = `stream fallback ${marker('streamfallback')}`;
      const answering = 'openrouter/openai/gpt-4.1-mini';
      const { data: stream, response } = await openai.chat.completions
        .create({
          model: 'openrouter/openai/gpt-4.1',
          models: [answering],
          messages: [{ role: 'user', content: text }],
          stream: true,
        })
        .withResponse();
      assert.equal(response.headers.get('x-moltbot-model'), answering);
      assert.equal(response.headers.get('x-moltbot-attempts'), '2');
      const { chunks, content } = await collect(stream);
      assert.equal(content, simAnswer('gpt-4.1-mini', 'OpenAI', text));
      for (const chunk of chunks) assert.equal(chunk.model, answering);
    } finally {
      await sim.clearFaults();
    }
  });

  test("the request's models array is the fallback chain", TEST, async () => {
    await sim.faults([{ kind: 'http', status: 503, match: { model: 'x-ai/grok-4' }, times: 10 }]);
    try {
      const text = `models array ${marker('models')}`;
      const { data: completion, response } = await openai.chat.completions
        .create({ model: 'openrouter/x-ai/grok-4', models: [MINI], messages: [{ role: 'user', content: text }] })
        .withResponse();
      assert.equal(completion.model, MINI);
      assert.equal(completion.choices[0].message.content, simAnswer('gpt-4o-mini', 'OpenAI', text));
      assert.equal(response.headers.get('x-moltbot-model'), MINI);
      assert.equal(response.headers.get('x-moltbot-attempts'), '2');
      assert.ok(!(await sim.wire(text)).some((sent) => sent.body.model === 'openai/gpt-5.2'), 'the configured fallback was asked');
    } finally {
      await sim.clearFaults();
    }
  });

  test('429 on every model of the chain is a 429 RateLimitError with Retry-After', TEST, async () => {
    const chain = ['google/gemini-2.5-pro', 'meta-llama/llama-3.3-70b-instruct'];
    await sim.faults(chain.map((model) => ({ kind: 'http', status: 429, retry_after: 120, match: { model }, times: 10 })));
    try {
      const text = `rate limited ${marker('429')}`;
      const error = await rejection(() =>
        openai.chat.completions.create({
          model: `openrouter/${chain[0]}`,
          models: [`openrouter/${chain[1]}`],
          messages: [{ role: 'user', content: text }],
        }),
      );
      assert.ok(error instanceof OpenAI.RateLimitError, `${error.constructor.name} ${error.status}: ${error.message}`);
      assert.equal(error.status, 429);
      const retryAfter = Number(error.headers?.get('retry-after'));
      assert.ok(retryAfter > 0, `Retry-After: ${error.headers?.get('retry-after')}`);
      for (const model of chain) assert.ok(error.message.includes(model), `the message does not name ${model}: ${error.message}`);
      assert.equal(typeof error.error?.type, 'string');
    } finally {
      await sim.clearFaults();
    }
  });

  test('503 on every model of the chain is a 502 or 503 naming each model', TEST, async () => {
    const chain = ['anthropic/claude-haiku-4.5', 'anthropic/claude-opus-4.5'];
    await sim.faults(chain.map((model) => ({ kind: 'http', status: 503, match: { model }, times: 20 })));
    try {
      const error = await rejection(() =>
        openai.chat.completions.create({
          model: `openrouter/${chain[0]}`,
          models: [`openrouter/${chain[1]}`],
          messages: [{ role: 'user', content: `outage ${marker('503')}` }],
        }),
      );
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.ok([502, 503].includes(error.status), `status ${error.status}: ${error.message}`);
      for (const model of chain) assert.ok(error.message.includes(model), `the message does not name ${model}: ${error.message}`);
    } finally {
      await sim.clearFaults();
    }
  });

  test('an error after the first streamed byte arrives as an SSE error event', TEST, async () => {
    await sim.faults([
      { kind: 'error_chunk', after_chunks: 1, status: 502, message: 'the provider fell over', match: { model: 'openai/gpt-4o-mini' } },
    ]);
    try {
      const text = `break mid stream ${marker('midstream')}`;
      const stream = await openai.chat.completions.create({ model: 'mini', messages: [{ role: 'user', content: text }], stream: true });
      let content = '';
      const error = await rejection(async () => {
        for await (const chunk of stream) content += chunk.choices[0]?.delta?.content ?? '';
      });
      assert.ok(error instanceof OpenAI.APIError, `${error.constructor.name}: ${error.message}`);
      assert.ok(content.length > 0, 'the text before the failure was not streamed first');
      assert.ok(simAnswer('gpt-4o-mini', 'OpenAI', text).startsWith(content));
    } finally {
      await sim.clearFaults();
    }
  });
});

describe('a canary key appears in no response, header or log line', () => {
  const CANARY = `sk-or-v1-${'c4na7y'.repeat(10)}beef`;
  const WRONG = `sk-or-v1-${'0bad'.repeat(15)}`;
  let sim;
  let gateway;
  let rejected;
  const seen = [];

  // Records everything a client can see of an exchange.
  const keep = (reply) => {
    seen.push(JSON.stringify(reply.headers), reply.text);
    return reply;
  };

  before(async () => {
    sim = await Simulator.start({ keys: [CANARY] });
    gateway = await Gateway.start({ simulator: sim, config: CONFIG, key: CANARY });
    rejected = await Gateway.start({ simulator: sim, config: CONFIG, key: WRONG });
  }, HOOK);

  after(async () => {
    await rejected?.stop();
    await gateway?.stop();
    await sim?.stop();
  }, HOOK);

  test('answers, failures and the logs', { timeout: ms(120000) }, async () => {
    const ask = (body, target = gateway) => target.request('POST', '/v1/chat/completions', { body }).then(keep);
    const user = (text) => [{ role: 'user', content: text }];

    const plain = await ask({ model: 'sonnet', messages: user('canary plain') });
    assert.equal(plain.status, 200, plain.text);
    assert.equal(plain.json.choices[0].message.content, simAnswer('claude-sonnet-4.5', 'Amazon Bedrock', 'canary plain'));
    const streamed = await ask({ model: 'mini', messages: user('canary stream'), stream: true, stream_options: { include_usage: true } });
    assert.equal(streamed.status, 200);
    assert.match(streamed.text, /data: \[DONE\]/);
    const tools = await ask({ model: 'sonnet', messages: user('use get_weather'), tools: [WEATHER_TOOL] });
    assert.equal(tools.json?.choices?.[0]?.finish_reason, 'tool_calls', tools.text);
    assert.equal((await ask({ model: 'openrouter/nobody/nothing', messages: user('x') })).status, 404);
    assert.equal((await ask('{"broken')).status, 400);
    for (const path of ['/v1/models', '/health', '/ready', '/nowhere']) keep(await gateway.request('GET', path));

    // Upstream errors that echo the key back (a hostile or careless upstream).
    await sim.faults([
      { kind: 'http', status: 503, message: `key ${CANARY} is overloaded`, match: { model: 'x-ai/grok-4' }, times: 10 },
      { kind: 'http', status: 503, message: `key ${CANARY} is overloaded`, match: { model: 'google/gemini-2.5-pro' }, times: 10 },
      { kind: 'http', status: 429, retry_after: 120, message: `slow down ${CANARY}`, match: { model: 'meta-llama/llama-3.3-70b-instruct' }, times: 10 },
      { kind: 'http', status: 429, retry_after: 120, message: `slow down ${CANARY}`, match: { model: 'openai/gpt-4o' }, times: 10 },
      { kind: 'error_chunk', after_chunks: 1, message: `stream broke for ${CANARY}`, match: { model: 'openai/gpt-4o-mini' } },
    ]);
    const outage = await ask({ model: 'openrouter/x-ai/grok-4', models: ['openrouter/google/gemini-2.5-pro'], messages: user('canary outage') });
    assert.ok(outage.status >= 500, `${outage.status} ${outage.text}`);
    const limited = await ask({ model: 'openrouter/meta-llama/llama-3.3-70b-instruct', models: ['openrouter/openai/gpt-4o'], messages: user('canary 429') });
    assert.equal(limited.status, 429, limited.text);
    const broken = await ask({ model: 'mini', messages: user('canary broken stream'), stream: true });
    assert.match(broken.text, /"error"/, 'no error event in the broken stream');
    await sim.clearFaults();

    // A key the upstream rejects (401 User not found).
    const refused = await ask({ model: 'sonnet', messages: user('wrong key') }, rejected);
    assert.ok([502, 503].includes(refused.status), `an upstream 401: ${refused.status} ${refused.text}`);
    assert.equal(typeof refused.json?.error?.message, 'string', refused.text);
    assert.ok(!refused.text.includes(WRONG));

    // The upstream did get the canary, so the test means something.
    const wire = await sim.chatRequests();
    assert.ok(wire.some((sent) => Object.values(sent.headers).includes(`Bearer ${CANARY}`)));

    const core = CANARY.slice('sk-or-v1-'.length, -4);
    const check = (where, text) => {
      assert.ok(!text.includes(CANARY), `${where} holds the canary key`);
      assert.ok(!text.includes(core), `${where} holds most of the canary key`);
      assert.ok(!text.includes(WRONG.slice(9, -4)), `${where} holds the rejected key`);
    };
    seen.forEach((text, i) => check(`exchange ${i}`, text));
    check('the gateway log', gateway.log());
    check("the rejected-key gateway's log", rejected.log());
  });
});

// A lifecycle group: its own simulator and a gateway per test (SIGTERM ends one).
describe('SIGHUP reloads the config, SIGTERM drains', () => {
  let sim;
  let gateway;
  const config = (target) => CONFIG.replace('"openrouter/openai/gpt-4o-mini": { alias: "mini" }', `"${target}": { alias: "pick" }`);

  before(async () => {
    sim = await Simulator.start();
  }, HOOK);

  after(async () => {
    await gateway?.stop();
    await sim?.stop();
  }, HOOK);

  test('SIGHUP: a changed alias applies; a broken config keeps the old one', TEST, async () => {
    gateway = await Gateway.start({ simulator: sim, config: config(MINI) });
    const openai = client(gateway);
    const pick = async () =>
      (await openai.chat.completions.create({ model: 'pick', messages: [{ role: 'user', content: `reload ${marker('hup')}` }] }))
        .model;
    try {
      assert.equal(await pick(), MINI);
      await gateway.writeConfig(config(FALLBACK));
      gateway.signal('SIGHUP');
      let model;
      for (const deadline = Date.now() + ms(10000); Date.now() < deadline; await sleep(100)) {
        model = await pick().catch((error) => assert.fail(`after SIGHUP: ${error.status} ${error.message}`));
        if (model === FALLBACK) break;
      }
      assert.equal(model, FALLBACK, 'the reloaded alias was not used within 10 s');

      const logBefore = gateway.log().length;
      await gateway.writeConfig('{ agents: { defaults: { model: { primary: 42 ');
      gateway.signal('SIGHUP');
      for (const deadline = Date.now() + ms(10000); Date.now() < deadline && gateway.log().length === logBefore; ) {
        await sleep(100);
      }
      assert.ok(gateway.log().length > logBefore, 'nothing was logged about the broken config');
      assert.equal(await pick(), FALLBACK, 'the old config was not kept');
      assert.equal((await gateway.request('GET', '/ready')).status, 200);
    } finally {
      await gateway.stop();
      gateway = undefined;
    }
  });

  test('a client that goes away mid-stream: the upstream connection is closed at once', TEST, async () => {
    gateway = await Gateway.start({ simulator: sim, config: CONFIG });
    try {
      const openai = client(gateway);
      const simPort = Number(new URL(sim.url).port);
      await sim.faults([{ kind: 'endless', delay_ms: 20, match: { model: 'openai/gpt-4o-mini' } }]);
      const abort = new AbortController();
      const stream = await openai.chat.completions.create(
        { model: MINI, messages: [{ role: 'user', content: `endless ${marker('disconnect')}` }], stream: true },
        { signal: abort.signal },
      );
      let chunks = 0;
      let upstreamWhileStreaming = 0;
      try {
        for await (const chunk of stream) {
          chunks += chunk.choices.length;
          if (chunks === 5) {
            upstreamWhileStreaming = gateway.connectionsTo(simPort);
            abort.abort();
          }
        }
      } catch (error) {
        // The SDK ends an aborted stream quietly or with an abort error; anything else is a failure.
        if (!(error instanceof OpenAI.APIUserAbortError) && error.name !== 'AbortError') throw error;
      }
      assert.ok(chunks >= 5, `${chunks} chunks`);
      assert.equal(upstreamWhileStreaming, 1, 'the gateway should hold one upstream connection while it streams');
      const aborted = Date.now();
      while (gateway.connectionsTo(simPort) > 0 && Date.now() - aborted < ms(5000)) await sleep(10);
      const took = Date.now() - aborted;
      assert.equal(gateway.connectionsTo(simPort), 0, 'the upstream connection is still open 5 s after the client left');
      assert.ok(took < ms(1000), `the upstream connection closed ${took} ms after the client left (the issue asks 100 ms)`);

      await sim.clearFaults();
      const after = await openai.chat.completions.create({ model: MINI, messages: [{ role: 'user', content: 'still there?' }] });
      assert.equal(after.choices[0].message.content, simAnswer('gpt-4o-mini', 'OpenAI', 'still there?'));
    } finally {
      await sim.clearFaults();
      await gateway.stop();
      gateway = undefined;
    }
  });

  test('SIGTERM: requests in flight complete, then the server exits 0', { timeout: ms(90000) }, async () => {
    gateway = await Gateway.start({ simulator: sim, config: CONFIG });
    const openai = client(gateway);
    const tag = marker('drain');
    await sim.faults([{ kind: 'slow_first_byte', delay_ms: 2000, match: { model: 'openai/gpt-4o-mini' }, times: 6 }]);
    const prompts = Array.from({ length: 6 }, (_, i) => `in flight ${i} ${tag}`);
    const answers = Promise.allSettled(
      prompts.map((text, i) =>
        openai.chat.completions
          .create({ model: MINI, messages: [{ role: 'user', content: text }], stream: i % 2 === 1 })
          .then(async (reply) => (i % 2 ? (await collect(reply)).content : reply.choices[0].message.content)),
      ),
    );
    // Wait until every request reached the upstream (where it now waits 2 s), then ask the server to stop.
    for (const deadline = Date.now() + ms(20000); Date.now() < deadline; await sleep(50)) {
      if ((await sim.wire(tag)).length === prompts.length) break;
    }
    assert.equal((await sim.wire(tag)).length, prompts.length, 'the requests did not all reach the upstream');
    gateway.signal('SIGTERM');
    const results = await answers;
    results.forEach((result, i) => {
      assert.equal(result.status, 'fulfilled', `request ${i}: ${result.reason}`);
      assert.equal(result.value, simAnswer('gpt-4o-mini', 'OpenAI', prompts[i]));
    });
    const exit = await Promise.race([gateway.proc.exitPromise, sleep(ms(30000)).then(() => null)]);
    assert.deepEqual(exit, { code: 0, signal: null }, 'the server did not exit 0 after draining');
    await assert.rejects(gateway.request('GET', '/health', { timeoutMs: ms(5000) }), 'a stopped server still answers');
  });
});
