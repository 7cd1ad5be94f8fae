// The version, read from the one place it is defined: package.json.
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
