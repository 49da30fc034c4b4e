#!/usr/bin/env node
/**
 * `npm run dist:desktop` runs this first: a release must be built for the operator's API server and update feed.
 * Without MAIN_VITE_API_BASE_URL the app would talk to 127.0.0.1 (the development default); without
 * UPDATE_FEED_URL it could never receive a fix. Exits 1 with the reasons, before anything is built.
 */
import { URL } from 'node:url';

const problems = [];

function checkUrl(name, what) {
  const value = process.env[name];
  if (!value) {
    problems.push(`${name} is not set: the URL of ${what} (e.g. ${name}=https://…)`);
    return;
  }
  let url;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name}=${value}: not a URL`);
    return;
  }
  if (url.protocol !== 'https:') problems.push(`${name}=${value}: a release talks to ${what} over https only`);
  if (['localhost', '127.0.0.1', '[::1]', '0.0.0.0'].includes(url.hostname) || url.hostname.endsWith('.localhost'))
    problems.push(`${name}=${value}: a loopback address would point every merchant's app at their own computer`);
}

checkUrl('MAIN_VITE_API_BASE_URL', 'the API server this release talks to');
checkUrl('UPDATE_FEED_URL', 'the update feed (where latest.yml and the installers are published)');

if (problems.length) {
  console.error(`dist:desktop refused — fix these, then build again:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`release for ${process.env.MAIN_VITE_API_BASE_URL}, updates from ${process.env.UPDATE_FEED_URL}`);
