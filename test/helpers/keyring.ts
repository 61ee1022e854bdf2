// A private Secret Service for one test: its own D-Bus session and GNOME Keyring, so that locking it or taking it
// away does not touch the keyring the other tests share (nor the developer's own).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, chmodSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PASSWORD = 'private-test';

export interface PrivateKeyring {
  /** DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR for the processes that use it. */
  env: Record<string, string>;
  /** Locks the login collection (what a screen lock or a fresh boot without auto-unlock leaves). */
  lock(): void;
  /** Unlocks it with its password, through the daemon's control socket (what PAM does at login). */
  unlock(): Promise<void>;
  close(): void;
}

export async function privateKeyring(): Promise<PrivateKeyring> {
  const root = mkdtempSync(join(tmpdir(), 'tether-keyring-'));
  const run = join(root, 'run');
  mkdirSync(run);
  chmodSync(run, 0o700);
  mkdirSync(join(root, 'data'));
  const bus: ChildProcess = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    bus.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    bus.once('error', reject);
  });
  const env = { DBUS_SESSION_BUS_ADDRESS: address, XDG_RUNTIME_DIR: run };
  execFileSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], { input: PASSWORD, env: { ...process.env, ...env, XDG_DATA_HOME: join(root, 'data') }, stdio: ['pipe', 'ignore', 'ignore'] });
  return {
    env,
    lock() {
      execFileSync('dbus-send', ['--session', '--dest=org.freedesktop.secrets', '--print-reply', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login'], {
        env: { ...process.env, ...env },
        stdio: 'ignore',
      });
    },
    unlock() {
      // gnome-keyring's control protocol: a zero byte, then [length, op UNLOCK = 1, password length, password].
      return new Promise((resolve, reject) => {
        const password = Buffer.from(PASSWORD);
        const u32 = (n: number): Buffer => {
          const b = Buffer.alloc(4);
          b.writeUInt32BE(n);
          return b;
        };
        const socket = createConnection(join(run, 'keyring', 'control'), () => {
          socket.write(Buffer.concat([Buffer.from([0]), u32(12 + password.length), u32(1), u32(password.length), password]));
        });
        const reply: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => reply.push(chunk));
        socket.on('end', () => {
          const answer = Buffer.concat(reply);
          if (answer.length >= 8 && answer.readUInt32BE(4) === 0) resolve();
          else reject(new Error('the keyring refused to unlock'));
        });
        socket.on('error', reject);
      });
    },
    close() {
      bus.kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
