/**
 * `npm run --silent admin:hash-password`: reads a password from standard input and prints its scrypt PHC string
 * (for ADMIN_PASSWORD_HASH).
 */
import { hashPassword } from '../lib/password.js';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
if (password.length < 8) {
  console.error('password must be at least 8 characters');
  process.exit(1);
}
console.log(await hashPassword(password));
