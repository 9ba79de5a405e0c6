// Runs Clerk's official JS SDK (@clerk/backend, pinned in package-lock.json) on signed session
// tokens and asks its `auth.has()` each check, for tests/tests/auth_has_differential.rs.
//
//   node authorize.mjs < corpus.json > answers.json
//
// Input: {"pem": "...", "cases": [{"token": "...", "checks": [{"role": "...", "permission": "...",
//          "feature": "...", "plan": "...", "reverification": "strict" | {"level", "afterMinutes"}}]}]}
// Output: one JSON array, per case {"signed_in": bool, "status": "...", "answers": [bool | "error"]},
// the answers in the order of the checks (absent when not signed in).
import { createClerkClient } from '@clerk/backend';

process.env.CLERK_TELEMETRY_DISABLED = '1';
console.log = (...args) => console.error(...args);

const input = JSON.parse(await new Promise(resolve => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', chunk => (text += chunk));
  process.stdin.on('end', () => resolve(text));
}));

const clerk = createClerkClient({
  secretKey: 'sk_live_differential',
  publishableKey: 'pk_live_' + Buffer.from('clerk.test$').toString('base64'),
});

const results = [];
for (const c of input.cases) {
  const request = new Request('https://app.example.com/api', { headers: { authorization: `Bearer ${c.token}` } });
  let state;
  try {
    state = await clerk.authenticateRequest(request, { jwtKey: input.pem });
  } catch (error) {
    results.push({ signed_in: false, status: `exception: ${error?.message ?? error}` });
    continue;
  }
  let auth = null;
  try {
    auth = state.status === 'signed-in' ? state.toAuth() : null;
  } catch (error) {
    // The claims parser throws on a version 2 `fea` entry without a scope: nothing is granted.
    results.push({ signed_in: false, status: `toAuth exception: ${error?.message ?? error}` });
    continue;
  }
  if (!auth || auth.isAuthenticated !== true) {
    results.push({ signed_in: false, status: `${state.status} ${state.reason ?? ''}`.trim() });
    continue;
  }
  const answers = c.checks.map(check => {
    try {
      return auth.has(check) === true;
    } catch {
      return 'error';
    }
  });
  results.push({ signed_in: true, status: state.status, answers });
}
process.stdout.write(JSON.stringify(results));
