/** `convsweep serve [DIR]`: the live dashboard of every sweep under DIR, until Ctrl-C. */
import type { Argv } from 'yargs';
import { stat } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { startDashboard } from '../serve/server.js';
import { interruptSignal, runCommand } from './command-runner.js';
import { checkIntegerFlags, withVerbose } from './options.js';

interface ServeArgs {
  dir: string;
  port?: number;
  host: string;
  token?: string;
  verbose: boolean;
}

export function withDashboardFlags<T>(y: Argv<T>) {
  return y.option('port', { type: 'number', describe: 'port of the dashboard (default: a free one)' });
}

/** --port: a whole number from 0 to 65535 (0: a free one). */
export function checkPort(port: number | undefined): void {
  checkIntegerFlags([['--port', port, 0, 65535]]);
}

export const serveCommand = {
  command: 'serve [dir]',
  describe: 'live dashboard of the sweeps under a folder (read-only): leaderboard, curves, trials, as they run',
  builder: (y: Argv) =>
    withVerbose(withDashboardFlags(y.positional('dir', { type: 'string', default: 'results', describe: 'a sweep results folder, or a folder of them' })))
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on; any but a loopback one needs --token' })
      .option('token', { type: 'string', describe: 'a secret every request must carry (the printed URL has it; see docs/DASHBOARD.md)' })
      .example('convsweep serve', 'every sweep under results/, at the URL it prints')
      .example('convsweep serve results/mnist-quick', 'one sweep')
      .example('convsweep serve --port 8080', 'on a port of your choice')
      .example('convsweep serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"', 'reachable from other machines, with a token'),
  handler: (argv: ServeArgs) =>
    runCommand(async () => {
      checkPort(argv.port);
      let info;
      try {
        info = await stat(argv.dir);
      } catch {
        throw new InputError({ file: argv.dir, path: '', message: 'no such folder', hint: 'give a sweep results folder (the --out of `convsweep run`) or a folder of them, e.g. results' });
      }
      if (!info.isDirectory()) throw new InputError({ file: argv.dir, path: '', message: 'is not a folder' });
      const dashboard = await startDashboard({ dir: argv.dir, host: argv.host, port: argv.port, token: argv.token });
      process.stdout.write(`dashboard of ${argv.dir} at ${dashboard.url}\n(Ctrl-C to stop)\n`);
      const { signal, release } = interruptSignal(() => undefined);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      release();
      await dashboard.close();
      process.stdout.write('dashboard stopped\n');
    }, argv.verbose),
};
