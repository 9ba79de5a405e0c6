// Runs Clerk's official JS SDK (@clerk/backend, pinned in package-lock.json) on a corpus of
// requests and prints its verdicts, for tests/tests/auth_differential.rs.
//
//   node authenticate.mjs < corpus.json > verdicts.json
//
// Input: {"pem": "...", "cases": [{"id": "...", "method": "GET", "url": "https://...",
//          "headers": [[name, value], ...],
//          "options": {"authorizedParties": [...], "audience": [...], "clockSkewInMs": n,
//                      "acceptsToken": [...], "publishableKey": "...", "isSatellite": bool,
//                      "domain": "...", "proxyUrl": "...", "signInUrl": "..."}}]}
// Output: one JSON array, a verdict per case in order. Networkless: the JWT key is given, and
// the secret and publishable keys are placeholders the SDK checks only for shape.
import { createClerkClient } from '@clerk/backend';

process.env.CLERK_TELEMETRY_DISABLED = '1';
// The SDK logs (a redirect loop, a failed handshake) with console.log: keep stdout for the verdicts.
console.log = (...args) => console.error(...args);

const PUBLISHABLE_KEY = 'pk_live_' + Buffer.from('clerk.test$').toString('base64');
const SECRET_KEY = 'sk_live_differential';

const input = JSON.parse(await new Promise(resolve => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', chunk => (text += chunk));
  process.stdin.on('end', () => resolve(text));
}));

const clerk = createClerkClient({ secretKey: SECRET_KEY, publishableKey: PUBLISHABLE_KEY });

function verdictOf(state) {
  const auth = state.toAuth ? state.toAuth() : null;
  const signedIn = state.status === 'signed-in' && !!auth && auth.isAuthenticated === true;
  return {
    status: state.status,
    location: state.headers?.get('location') ?? null,
    signed_in: signedIn,
    reason: state.reason ?? null,
    token_type: state.tokenType ?? null,
    user_id: (signedIn && auth.userId) || null,
    session_id: (signedIn && auth.sessionId) || null,
    org_id: (signedIn && auth.orgId) || null,
    subject: signedIn ? (auth.subject ?? auth.userId ?? null) : null,
    token_id: (signedIn && auth.tokenType !== 'session_token' && auth.id) || null,
    client_id: (signedIn && auth.clientId) || null,
    scopes: signedIn && Array.isArray(auth.scopes) ? auth.scopes : null,
  };
}

const verdicts = [];
for (const c of input.cases) {
  const request = new Request(c.url ?? 'https://app.example.com/dashboard', { method: c.method ?? 'GET', headers: c.headers });
  const options = { jwtKey: input.pem, ...c.options };
  try {
    verdicts.push(verdictOf(await clerk.authenticateRequest(request, options)));
  } catch (error) {
    verdicts.push({ status: 'error', signed_in: false, reason: `exception: ${error?.message ?? error}` });
  }
}
process.stdout.write(JSON.stringify(verdicts));
