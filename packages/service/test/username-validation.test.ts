import test from 'ava';
import { greetingFor, putBirthday, send, startTestApp } from './helpers/http-app.js';

const encode = encodeURIComponent;

test('a URL-encoded non-ASCII name (Zoë) is accepted and echoed exactly', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  t.is((await putBirthday(app, encode('Zoë'), '1990-03-02')).status, 204);
  t.is(await greetingFor(app, encode('Zoë')), 'Hello, Zoë! Your birthday is in 1 day(s)');
});

for (const name of ['Ωμέγα', 'Дмитрий', ' 李小龙'.trim(), 'ŁukaszŻółć', 'たなか', 'Ελένη']) {
  test(`letters of another script are accepted: ${name}`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    t.is((await putBirthday(app, encode(name), '1990-03-02')).status, 204);
    t.is(await greetingFor(app, encode(name)), `Hello, ${name}! Your birthday is in 1 day(s)`);
  });
}

test('64 letters are accepted, 65 are not', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  t.is((await putBirthday(app, 'a'.repeat(64), '1990-03-02')).status, 204);
  t.is((await putBirthday(app, 'a'.repeat(65), '1990-03-02')).status, 400);
  t.is((await send(app, 'GET', `/hello/${'a'.repeat(65)}`)).status, 400);
});

test('length counts characters (code points), not UTF-16 units or bytes', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  // U+10400 DESERET CAPITAL LETTER LONG I is one letter, two UTF-16 units, four UTF-8 bytes.
  t.is((await putBirthday(app, encode('\u{10400}'.repeat(64)), '1990-03-02')).status, 204);
  t.is((await putBirthday(app, encode('\u{10400}'.repeat(65)), '1990-03-02')).status, 400);
  t.is((await putBirthday(app, encode('ë'.repeat(64)), '1990-03-02')).status, 204);
});

test('a decomposed name is stored and echoed in NFC, and both spellings are the same user', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const decomposed = 'Zoe\u0308';
  t.not(decomposed, 'Zoë');
  t.is((await putBirthday(app, encode(decomposed), '1990-03-02')).status, 204);
  t.is(await app.repository.findDateOfBirth('Zoë'), '1990-03-02');
  t.is(await greetingFor(app, encode('Zoë')), 'Hello, Zoë! Your birthday is in 1 day(s)');
  const echoed = await greetingFor(app, encode(decomposed));
  t.is(echoed, 'Hello, Zoë! Your birthday is in 1 day(s)');
  t.true(echoed.includes('Zo\u00eb'));
});

for (const [label, raw] of [
  ['digits', 'Alice1'],
  ['only digits', '123'],
  ['a space', encode('Ali ce')],
  ['an underscore', 'Ali_ce'],
  ['a hyphen', 'Ali-ce'],
  ['a dot', 'Ali.ce'],
  ['an encoded slash', 'Ali%2Fce'],
  ['an emoji', encode('Ali😀')],
  ['a lone combining mark', encode('\u0308')],
  ['an apostrophe', encode("O'Brien")],
] as const) {
  test(`a username with ${label} is rejected with 400 on GET and PUT`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    const put = await putBirthday(app, raw, '1990-03-02');
    t.is(put.status, 400, put.text);
    t.is(put.headers['content-type'], 'application/problem+json');
    t.is((await send(app, 'GET', `/hello/${raw}`)).status, 400);
  });
}

for (const raw of ['%', '%E0%A4', '%ZZ', 'Al%C3', '%C3%28']) {
  test(`malformed percent-encoding (${raw}) is a 400 problem, not a 500`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    const reply = await send(app, 'GET', `/hello/${raw}`);
    t.is(reply.status, 400, reply.text);
    t.is(reply.headers['content-type'], 'application/problem+json');
    t.is((await putBirthday(app, raw, '1990-03-02')).status, 400);
  });
}
