// The SMTP transport as configured from SMTP_URL: one pooled connection carries many mails, the
// connection and greeting limits apply, and what the URL says (smtps, credentials, query options) is
// kept. A real SMTP server and a silent TCP server on loopback stand in for the relay.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../../src/lib/logger.js';
import { createMailTransport, smtpTransportOptions } from '../../src/mail/transport.js';

const logger = createLogger('silent');
const mail = (to: string) => ({ from: { name: 'Portal', address: 'portal@msp.example' }, to, subject: 'Hello', html: '<p>Hello</p>', text: 'Hello' });

/** A plain-text SMTP server that records each recipient and counts connections. */
function recordingServer() {
  const received: string[] = [];
  const counts = { connections: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onConnect(_session, callback) {
      counts.connections += 1;
      callback();
    },
    onRcptTo(address, _session, callback) {
      received.push(address.address);
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  return { server, received, counts };
}

it('sends many mails over one pooled connection', async () => {
  const { server, received, counts } = recordingServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const transport = createMailTransport(`smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, logger);
  try {
    for (let i = 0; i < 5; i++) await transport.send(mail(`person${i}@contoso.example`));
    expect(received).toEqual([0, 1, 2, 3, 4].map((i) => `person${i}@contoso.example`));
    expect(counts.connections).toBe(1);
  } finally {
    transport.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

it('sends mails at once over as many connections as the pool has (SMTP_POOL_SIZE), not more', async () => {
  const { server, received, counts } = recordingServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const transport = createMailTransport(`smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, logger, { maxConnections: 3 });
  try {
    await Promise.all(Array.from({ length: 12 }, (_, i) => transport.send(mail(`many${i}@contoso.example`))));
    expect(received.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `many${i}@contoso.example`).sort());
    expect(counts.connections).toBe(3);
  } finally {
    transport.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

it('sends a finished message as it is, to the envelope recipient', async () => {
  const messages: string[] = [];
  const { server, received } = recordingServer();
  server.onData = (stream, _session, callback) => {
    let data = '';
    stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
    stream.on('end', () => (messages.push(data), callback()));
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const transport = createMailTransport(`smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, logger);
  const raw = 'From: portal@msp.example\r\nTo: alex@contoso.example\r\nSubject: Hello\r\nMessage-ID: <fixed@msp.example>\r\n\r\n.a line with a dot\r\n';
  try {
    await transport.send({ ...mail('alex@contoso.example'), raw });
    expect(received).toEqual(['alex@contoso.example']);
    expect(messages).toEqual([raw]);
  } finally {
    transport.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

it('speaks TLS from the first byte for smtps:// (on the socket it opens itself)', async () => {
  const received: string[] = [];
  const server = new SMTPServer({
    secure: true, // smtp-server's built-in self-signed certificate
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, session, callback) {
      received.push(`${address.address} over ${session.secure ? 'TLS' : 'plain text'}`);
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const transport = createMailTransport(`smtps://127.0.0.1:${(server.server.address() as AddressInfo).port}?tls.rejectUnauthorized=false`, logger);
  try {
    await transport.send(mail('alex@contoso.example'));
    expect(received).toEqual(['alex@contoso.example over TLS']);
  } finally {
    transport.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

it('still sends once the server is back after more failed connections than the pool has slots', async () => {
  // The port of a server that has just gone away: nothing listens there until it comes back.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const transport = createMailTransport(`smtp://127.0.0.1:${port}`, logger, { maxConnections: 2 });
  const { server, received } = recordingServer();
  // A send that never settles is the failure this guards against; it should fail fast, not time the test out.
  const settled = async <T>(promise: Promise<T>) => {
    let timer: NodeJS.Timeout | undefined;
    const never = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the send never settled')), 3_000)));
    try {
      return await Promise.race([promise, never]);
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    for (let i = 0; i < 5; i++) await expect(settled(transport.send(mail(`down${i}@contoso.example`)))).rejects.toThrow(/ECONNREFUSED/);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await settled(transport.send(mail('back@contoso.example')));
    expect(received).toEqual(['back@contoso.example']);
  } finally {
    transport.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

it('gives up on a server that accepts the connection and never greets, within the greeting limit', async () => {
  const sockets: Socket[] = [];
  const silent: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const transport = createMailTransport(`smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`, logger, { greetingTimeoutMs: 300 });
  try {
    const started = Date.now();
    await expect(transport.send(mail('alex@contoso.example'))).rejects.toThrow(/greeting/i);
    expect(Date.now() - started).toBeLessThan(5_000); // nodemailer's own default would wait 30 s
  } finally {
    transport.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

it('reads the URL as nodemailer does and lays the pool and the limits over it', () => {
  const options = smtpTransportOptions('smtps://mailer%40msp.example:s3cret@smtp.msp.example:465?tls.rejectUnauthorized=false', { connectionTimeoutMs: 1_000 });
  expect(options).toMatchObject({
    host: 'smtp.msp.example',
    port: 465,
    secure: true,
    auth: { user: 'mailer@msp.example', pass: 's3cret' },
    tls: { rejectUnauthorized: false },
    pool: true,
    maxConnections: 10,
    connectionTimeout: 1_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  expect(typeof options.getSocket).toBe('function');
});
