/**
 * Loads the repository's one `.env` (at the root, see paths.ts) into process.env for the commands (server,
 * db:migrate, admin:create); variables already set in the environment win. DOTENV_CONFIG_PATH names another file.
 */
import { join } from 'node:path';
import dotenv from 'dotenv';
import { REPO_ROOT } from './paths.js';

export const ENV_FILE = process.env.DOTENV_CONFIG_PATH ?? join(REPO_ROOT, '.env');
dotenv.config({ path: ENV_FILE, quiet: true });
