// A real OpenID Provider for the tests (panva's oidc-provider), on 127.0.0.1 over plain http.
//
//   OIDC_CONFIG='{"port": 5123, "clients": [...], "accounts": {...}}' node tests/oidc/provider.mjs
//   node tests/oidc/provider.mjs '<the same JSON>'
//
// clients: [{client_id, client_secret, redirect_uris, post_logout_redirect_uris}]
// accounts: {"<login id>": {sub, email, email_verified, name, tid?}}
//
// Authorization Code + PKCE (S256, required), client_secret_basic or client_secret_post,
// scopes "openid email profile"; email, email_verified, name and tid are in the ID token itself.
// The built-in development login page takes the login id (any password); no consent screen;
// an unknown login id goes back to the redirect_uri with error=access_denied.
// Prints "ready <issuer>" once listening; SIGTERM/SIGINT close it and exit 0.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';

import Provider from 'oidc-provider';

const raw = process.env.OIDC_CONFIG || process.argv[2];
if (!raw) {
  console.error('usage: OIDC_CONFIG=<json> node tests/oidc/provider.mjs (or the JSON as argv[2])');
  process.exit(2);
}
const config = JSON.parse(raw);
const port = Number(config.port);
const issuer = `http://127.0.0.1:${port}`;

// Accounts by login id (what the login page's "login" field takes) and by sub. oidc-provider's
// accountId is the ID Token's sub, so a session's accountId is the account's sub.
const accountsByLogin = new Map(Object.entries(config.accounts || {}));
const accountsBySub = new Map(
  [...accountsByLogin].map(([login, account]) => [account.sub ?? login, account]),
);

async function findAccount(ctx, sub) {
  const account = accountsBySub.get(sub);
  if (!account) return undefined; // not a listed account: no session, no code, no token
  return {
    accountId: sub,
    async claims() {
      const claims = {
        sub,
        email: account.email,
        email_verified: account.email_verified ?? false,
        name: account.name,
      };
      if (account.tid !== undefined) claims.tid = account.tid;
      return claims;
    },
  };
}

// A fresh RS256 signing key for every start (never the library's development key).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: randomBytes(8).toString('hex'),
  alg: 'RS256',
  use: 'sig',
};

const clients = (config.clients || []).map((c) => ({
  client_id: c.client_id,
  client_secret: c.client_secret,
  redirect_uris: c.redirect_uris,
  post_logout_redirect_uris: c.post_logout_redirect_uris || [],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  // client_secret_post is accepted too: oidc-provider treats the two secret methods alike.
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
}));

const provider = new Provider(issuer, {
  clients,
  findAccount,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  responseTypes: ['code'],
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  pkce: { required: () => true }, // S256 is the only method oidc-provider supports
  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub', 'tid'], // tid, like Microsoft's tenant id, comes with every ID Token
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // End-User claims in the ID Token itself, not only at the userinfo endpoint.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true }, // the built-in login page
    rpInitiatedLogout: { enabled: true },
    userinfo: { enabled: true },
  },
  // No consent screen: every client here is first party (recipes/skip_consent.md).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const grant = await ctx.oidc.provider.Grant.find(grantId);
      if (grant) return grant;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.account.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 3600,
    Session: 86400,
    Grant: 86400,
  },
});

// The development login page posts its form to /interaction/<uid>, and oidc-provider would take
// whatever was typed as the accountId (the sub). Here a listed login id signs in as its account's
// sub; any other login ends the interaction with access_denied, so the browser goes back to the
// client's redirect_uri with error=access_denied (no code, and no session at the provider).
const LOGIN_POST = /^\/interaction\/[^/]+$/;

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || !LOGIN_POST.test(ctx.path)) return next();
  const form = await readForm(ctx.req);
  if (form.get('prompt') !== 'login') {
    ctx.req.body = Object.fromEntries(form); // oidc-provider reads an already parsed body
    return next();
  }
  const account = accountsByLogin.get(form.get('login') ?? '');
  const result = account
    ? { login: { accountId: account.sub ?? form.get('login') } }
    : { error: 'access_denied', error_description: 'unknown login' };
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.respond = false; // interactionFinished has answered (303 to the authorization resume)
  return undefined;
});

// Refusals (one line each) and crashes (with the stack) go to the log the tests show on failure.
for (const event of ['authorization.error', 'grant.error', 'end_session.error', 'server_error']) {
  provider.on(event, (ctx, error) => {
    const where = `${ctx?.method} ${ctx?.path}`;
    const what = event === 'server_error'
      ? error?.stack ?? error
      : `${error?.error ?? error?.name}: ${error?.error_detail ?? error?.error_description ?? error?.message}`;
    console.error(`${event} at ${where}: ${what}`);
  });
}

const server = createServer(provider.callback());

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
