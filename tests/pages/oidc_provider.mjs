// A real OpenID Connect provider for the sign-in tests: the npm `oidc-provider` package on
// loopback, with riskreg as its client and a few council people with group claims.
//
//   OIDC_TEST_CONFIG='{"clients": [...], "users": {"jane": {...}}}' node tests/pages/oidc_provider.mjs
//
// It listens on 127.0.0.1 on a port of its own choosing and prints one line,
// `issuer http://localhost:PORT`, once it takes requests (localhost: another site than
// riskreg's 127.0.0.1, as the council's provider is another site than riskreg). Its sign-in page (the
// "interaction") is a plain form: "Username" and a "Sign in" button, or "Cancel" (the
// provider then answers riskreg with error=access_denied). Anyone named in `users` signs in
// without a password; consent is given by the council for its own application.
// `groups` is an ID token claim, as Entra ID sends it; `name`, `email`,
// `preferred_username` too (conformIdTokenClaims off).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const users = config.users || {};
const clients = config.clients || [];

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function loginForm(uid, error) {
  return page('Council sign-in', `
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort">
  <button type="submit">Cancel</button>
</form>`);
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function grantFor(provider, accountId, clientId, details) {
  const grant = new provider.Grant({ accountId, clientId });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  return grant.save();
}

async function interaction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Wrong sign-in', '<p>This is not the sign-in in progress.</p>'));
  const { prompt, params, session } = details;
  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return send(res, 200, loginForm(uid));
    // Consent: the council's own application is granted what it asks for.
    const grantId = await grantFor(provider, session.accountId, params.client_id, prompt.details);
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (req.method === 'POST' && action === 'login') {
    const username = ((await formBody(req)).get('username') || '').trim();
    if (!Object.hasOwn(users, username)) return send(res, 200, loginForm(uid, `No such person: ${username}`));
    return provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The person cancelled the sign-in' },
      { mergeWithLastSubmission: false },
    );
  }
  return send(res, 405, page('Not here', '<p>Nothing answers that here.</p>'));
}

let handle = (req, res) => send(res, 503, page('Starting', '<p>Starting.</p>'));
const server = http.createServer((req, res) => handle(req, res));

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://localhost:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub', 'groups'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'given_name', 'family_name'],
    },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, found) => `/interaction/${found.uid}` },
    async findAccount(ctx, id) {
      if (!Object.hasOwn(users, id)) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...users[id] }) };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
  });
  const callback = provider.callback();
  handle = (req, res) => {
    const found = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(new URL(req.url, issuer).pathname);
    if (!found) return callback(req, res);
    return interaction(provider, req, res, found[1], found[2]).catch((error) => {
      send(res, 400, page('Sign-in failed', `<p role="alert">${escape(error.message)}</p>`));
    });
  };
  process.stdout.write(`issuer ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
