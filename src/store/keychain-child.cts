// Runs one OS keychain operation in a child process, so that a wedged D-Bus or keychain daemon can be killed.
// Protocol: one JSON request on stdin, one JSON reply on stdout. CommonJS: Node starts it ~50 ms sooner than ESM.
import keyring = require('@napi-rs/keyring');

interface Request {
  op: 'get' | 'set' | 'delete';
  service: string;
  account: string;
  value?: string;
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function run(request: Request): { ok: true; value?: string | null; deleted?: boolean } {
  // Pin Linux to the Secret Service: the library would otherwise fall back to the kernel keyring, lost at reboot.
  const entry = new keyring.Entry(request.service, request.account, { linux: { store: 'secret-service' } });
  switch (request.op) {
    case 'get':
      return { ok: true, value: entry.getPassword() };
    case 'set':
      entry.setPassword(request.value ?? '');
      return { ok: true };
    case 'delete':
      return { ok: true, deleted: entry.deleteCredential() };
  }
}

readStdin()
  .then((text) => run(JSON.parse(text) as Request))
  .catch((error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }))
  .then((reply) => process.stdout.write(JSON.stringify(reply)));
