import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';

/** A self-signed certificate for 127.0.0.1/localhost, made by openssl in `dir`. */
export async function selfSignedCert(dir: string): Promise<{ key: string; cert: string; certFile: string }> {
  const keyFile = path.join(dir, 'smtp-key.pem');
  const certFile = path.join(dir, 'smtp-cert.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), certFile };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** True when the message came over TLS (STARTTLS or implicit). */
  secure: boolean;
  user: string | undefined;
}

export interface TestSmtp {
  port: number;
  received: ReceivedMail[];
  authAttempts: Array<{ user: string; ok: boolean }>;
  close: () => Promise<void>;
}

/**
 * An SMTP server on 127.0.0.1 (random port) that requires AUTH (PLAIN/LOGIN) with the given
 * credentials; `implicitTls` for port-465 style, else STARTTLS (AUTH refused before it).
 */
export async function startSmtp(options: {
  key: string;
  cert: string;
  user: string;
  password: string;
  implicitTls?: boolean;
}): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const authAttempts: Array<{ user: string; ok: boolean }> = [];
  const server = new SMTPServer({
    secure: options.implicitTls ?? false,
    key: options.key,
    cert: options.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.user && auth.password === options.password;
      authAttempts.push({ user: auth.username ?? '', ok });
      if (!ok) return callback(new Error('Invalid username or password'));
      return callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    authAttempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
