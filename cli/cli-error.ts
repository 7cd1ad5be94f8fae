// An error meant for the person at the terminal: printed as is, without a stack trace, and the command exits 1.
export class CliError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
  }
}
