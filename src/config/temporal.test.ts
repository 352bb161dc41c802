import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, SECRET_VARIABLES } from './index';
import { temporalConnectConfig, temporalSettingsFromEnv, TemporalConfigError } from './temporal';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-temporal-config-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

function configProblems(source: Record<string, string>): string[] {
  try {
    loadConfig(source);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const PROFILES = `
[profile.default]
address = "127.0.0.1:7233"
namespace = "local"

[profile.cloud]
address = "socialsync.a1b2c.tmprl.cloud:7233"
namespace = "socialsync.a1b2c"
api_key = "cloud-api-key-value"
`;

describe('the environment alone (today behaviour)', () => {
  it('TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE give a plain connection', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'prod' });
    const t = temporalConnectConfig(config);
    expect(t.address).toBe('temporal:7233');
    expect(t.namespace).toBe('prod');
    expect(t.client).toEqual({
      address: 'temporal:7233',
      tls: undefined,
      apiKey: undefined,
      metadata: undefined,
    });
    expect(t.worker.address).toBe('temporal:7233');
    expect(t.worker.tls).toBeUndefined();
    expect(t.description).toBe('temporal:7233 namespace prod');
  });

  it('nothing set: no address (npm start embeds a dev server), and connecting is refused naming the variables', () => {
    const config = loadConfig({});
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
    expect(() => temporalConnectConfig(config, 'the sync engine')).toThrow(
      /^the sync engine needs TEMPORAL_ADDRESS \(or TEMPORAL_CONFIG_FILE \/ TEMPORAL_PROFILE/,
    );
  });

  it('TEMPORAL_API_KEY turns TLS on (Temporal Cloud) and never appears in the description', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'secret-key-123',
    });
    const t = temporalConnectConfig(config);
    expect(t.client.apiKey).toBe('secret-key-123');
    expect(t.worker.apiKey).toBe('secret-key-123');
    expect(t.client.tls).toBe(true);
    expect(t.worker.tls).toBe(true);
    expect(t.description).toBe('ns.acct.tmprl.cloud:7233 namespace ns.acct (TLS, API key)');
    expect(t.description).not.toContain('secret-key-123');
    expect(SECRET_VARIABLES.has('TEMPORAL_API_KEY')).toBe(true);
    expect(SECRET_VARIABLES.has('TEMPORAL_TLS_CLIENT_KEY_DATA')).toBe(true);
  });

  it('TEMPORAL_TLS=false keeps an API key on a plaintext connection (a cluster behind a TLS-terminating proxy)', () => {
    const t = temporalConnectConfig(
      loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }),
    );
    expect(t.client.tls).toBe(false);
    expect(t.client.apiKey).toBe('k');
    expect(t.description).toBe('temporal:7233 namespace default (API key)');
  });

  it('mTLS from certificate and key files, with the CA and server name', () => {
    const cert = write('client.pem', 'CERT');
    const key = write('client.key', 'KEY');
    const ca = write('ca.pem', 'CA');
    const t = temporalConnectConfig(
      loadConfig({
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: key,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      }),
    );
    const tls = t.worker.tls as {
      serverNameOverride?: string;
      serverRootCACertificate?: Uint8Array;
      clientCertPair?: { crt: Uint8Array; key: Uint8Array };
    };
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toBe('CERT');
    expect(Buffer.from(tls.clientCertPair!.key).toString()).toBe('KEY');
    expect(Buffer.from(tls.serverRootCACertificate!).toString()).toBe('CA');
    expect(tls.serverNameOverride).toBe('temporal.internal');
    expect(t.client.tls).toEqual(t.worker.tls);
    expect(t.description).toBe('temporal.internal:7233 namespace default (mTLS)');
  });

  it('refuses TLS settings that could only fail later, naming the variable and never a key', () => {
    const cert = write('client.pem', 'CERT');
    expect(configProblems({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS_CLIENT_CERT_PATH: cert })).toEqual([
      expect.stringMatching(/^TEMPORAL_TLS_CLIENT_KEY_PATH: a client certificate needs its key/),
    ]);
    expect(
      configProblems({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS_CLIENT_KEY_DATA: 'PRIVATE-KEY-TEXT' }).join(
        '\n',
      ),
    ).not.toContain('PRIVATE-KEY-TEXT');
    expect(
      configProblems({
        TEMPORAL_ADDRESS: 'x:1',
        TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'missing.pem'),
        TEMPORAL_TLS_CLIENT_KEY_DATA: 'k',
      }),
    ).toEqual([`TEMPORAL_TLS_CLIENT_CERT_PATH: no such file: ${path.join(dir, 'missing.pem')}`]);
    expect(
      configProblems({
        TEMPORAL_ADDRESS: 'x:1',
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: cert,
        TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'CA',
      }),
    ).toEqual([expect.stringMatching(/^TEMPORAL_TLS_SERVER_CA_CERT_PATH: set either/)]);
    expect(configProblems({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS: 'yes' })).toEqual([
      'TEMPORAL_TLS: expected true or false (got "yes")',
    ]);
  });
});

describe('TOML profiles (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE)', () => {
  it('the default profile of the named file', () => {
    const file = write('temporal.toml', PROFILES);
    const config = loadConfig({ TEMPORAL_CONFIG_FILE: file });
    expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(config.TEMPORAL_NAMESPACE).toBe('local');
    expect(temporalConnectConfig(config).client.tls).toBeUndefined();
  });

  it('a named profile with an API key', () => {
    const file = write('temporal.toml', PROFILES);
    const config = loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    const t = temporalConnectConfig(config);
    expect(t.address).toBe('socialsync.a1b2c.tmprl.cloud:7233');
    expect(t.namespace).toBe('socialsync.a1b2c');
    expect(t.client.apiKey).toBe('cloud-api-key-value');
    expect(t.client.tls).toBe(true);
  });

  it('variables override the profile field by field', () => {
    const file = write('temporal.toml', PROFILES);
    const config = loadConfig({
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_NAMESPACE: 'other.a1b2c',
      TEMPORAL_API_KEY: 'rotated-key',
    });
    const t = temporalConnectConfig(config);
    expect(t.address).toBe('socialsync.a1b2c.tmprl.cloud:7233');
    expect(t.namespace).toBe('other.a1b2c');
    expect(t.client.apiKey).toBe('rotated-key');
    const overridden = loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_ADDRESS: 'elsewhere:7233' });
    expect(overridden.TEMPORAL_ADDRESS).toBe('elsewhere:7233');
    expect(overridden.TEMPORAL_NAMESPACE).toBe('local');
  });

  it('mTLS paths and inline data in a profile; TLS disabled in a profile', () => {
    const cert = write('certs/client.pem', 'CERT-FROM-FILE');
    const key = write('certs/client.key', 'KEY-FROM-FILE');
    const file = write(
      'temporal.toml',
      `
[profile.mtls]
address = "ns.acct.tmprl.cloud:7233"
namespace = "ns.acct"
[profile.mtls.tls]
client_cert_path = "${cert}"
client_key_path = "${key}"
server_name = "ns.acct.tmprl.cloud"

[profile.inline]
address = "temporal.internal:7233"
[profile.inline.tls]
client_cert_data = "INLINE-CERT"
client_key_data = "INLINE-KEY"
server_ca_cert_data = "INLINE-CA"

[profile.plain]
address = "temporal.internal:7233"
api_key = "k"
[profile.plain.tls]
disabled = true
`,
    );
    const mtls = temporalConnectConfig(loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'mtls' }));
    const pair = (mtls.worker.tls as { clientCertPair: { crt: Uint8Array; key: Uint8Array } }).clientCertPair;
    expect(Buffer.from(pair.crt).toString()).toBe('CERT-FROM-FILE');
    expect(Buffer.from(pair.key).toString()).toBe('KEY-FROM-FILE');
    expect((mtls.worker.tls as { serverNameOverride?: string }).serverNameOverride).toBe(
      'ns.acct.tmprl.cloud',
    );
    expect(mtls.description).toBe('ns.acct.tmprl.cloud:7233 namespace ns.acct (mTLS)');

    const inline = loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'inline' });
    expect(inline.TEMPORAL_TLS_CLIENT_KEY_DATA).toBe('INLINE-KEY');
    const tls = temporalConnectConfig(inline).client.tls as {
      serverRootCACertificate: Uint8Array;
      clientCertPair: { crt: Uint8Array };
    };
    expect(Buffer.from(tls.serverRootCACertificate).toString()).toBe('INLINE-CA');
    expect(Buffer.from(tls.clientCertPair.crt).toString()).toBe('INLINE-CERT');

    const plain = temporalConnectConfig(
      loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'plain' }),
    );
    expect(plain.client.tls).toBe(false);
    expect(plain.client.apiKey).toBe('k');
  });

  it('TEMPORAL_PROFILE alone reads the standard file under XDG_CONFIG_HOME', () => {
    write('xdg/temporalio/temporal.toml', PROFILES);
    const config = loadConfig({ XDG_CONFIG_HOME: path.join(dir, 'xdg'), TEMPORAL_PROFILE: 'cloud' });
    expect(config.TEMPORAL_ADDRESS).toBe('socialsync.a1b2c.tmprl.cloud:7233');
  });

  it("without TEMPORAL_CONFIG_FILE or TEMPORAL_PROFILE a developer's own temporal.toml is not read", () => {
    write('xdg/temporalio/temporal.toml', PROFILES);
    const config = loadConfig({ XDG_CONFIG_HOME: path.join(dir, 'xdg'), HOME: dir });
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
  });

  it('refuses a missing file, an unknown profile and an unknown key, naming the variable', () => {
    const missing = path.join(dir, 'nope.toml');
    expect(configProblems({ TEMPORAL_CONFIG_FILE: missing })).toEqual([
      `TEMPORAL_CONFIG_FILE: no such file: ${missing}`,
    ]);
    const file = write('temporal.toml', PROFILES);
    expect(configProblems({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' })).toEqual([
      expect.stringMatching(/^TEMPORAL_PROFILE: Profile 'staging' not found/),
    ]);
    const typo = write('typo.toml', '[profile.default]\naddress = "x:1"\napi-key = "k"\n');
    expect(configProblems({ TEMPORAL_CONFIG_FILE: typo })).toEqual([
      expect.stringMatching(/^TEMPORAL_CONFIG_FILE: .*unrecognized.*api-key/),
    ]);
    const broken = write('broken.toml', '[profile.default\naddress = ');
    expect(configProblems({ TEMPORAL_CONFIG_FILE: broken })).toEqual([
      expect.stringMatching(/^TEMPORAL_CONFIG_FILE: /),
    ]);
  });
});

describe('temporalSettingsFromEnv (the CLI: Temporal settings alone)', () => {
  it('ignores unrelated variables that loadConfig would refuse', () => {
    const file = write('temporal.toml', PROFILES);
    const settings = temporalSettingsFromEnv({
      TEMPORAL_CONFIG_FILE: file,
      PORT: 'eighty',
      TEMPORAL_ADDRESS: ' ',
    });
    expect(settings.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(settings.TEMPORAL_NAMESPACE).toBe('local');
  });

  it('throws TemporalConfigError naming the variable', () => {
    expect(() => temporalSettingsFromEnv({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS: 'maybe' })).toThrow(
      new TemporalConfigError('TEMPORAL_TLS', 'expected true or false (got "maybe")'),
    );
  });
});
