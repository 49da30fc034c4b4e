/** For process entries: the validated config, or the config's problems on stderr and exit code 1. */
import { ConfigError, loadConfig, type Config } from '../config.js';

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
