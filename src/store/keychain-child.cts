// Runs OS keychain operations in a child process, so that a wedged D-Bus or keychain daemon can be killed.
// Protocol: one JSON request on stdin (a service and its operations, in order), one JSON reply on stdout.
// CommonJS: Node starts it ~50 ms sooner than ESM.
import keyring = require('@napi-rs/keyring');

interface Operation {
  op: 'get' | 'set' | 'delete';
  account: string;
  value?: string;
}

interface Request {
  service: string;
  ops: Operation[];
}

interface Outcome {
  value?: string | null;
  deleted?: boolean;
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function run(service: string, operation: Operation): Outcome {
  // Pin Linux to the Secret Service: the library would otherwise fall back to the kernel keyring, lost at reboot.
  const entry = new keyring.Entry(service, operation.account, { linux: { store: 'secret-service' } });
  switch (operation.op) {
    case 'get':
      return { value: entry.getPassword() };
    case 'set':
      entry.setPassword(operation.value ?? '');
      return {};
    case 'delete':
      return { deleted: entry.deleteCredential() };
  }
}

/** Every operation in order; the first failure ends the request (the ones before it are done). */
readStdin()
  .then((text) => {
    const request = JSON.parse(text) as Request;
    return { ok: true, results: request.ops.map((operation) => run(request.service, operation)) };
  })
  .catch((error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }))
  .then((reply) => process.stdout.write(JSON.stringify(reply)));
