/**
 * Database credentials delivered as files (a Kubernetes Secret mounted as a volume, refreshed in
 * place by the kubelet when the secret rotates). They are read for every new connection, so a
 * rotated credential is picked up without a restart; `DATABASE_URL` then carries no password.
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { StoreUnavailableError } from './repository.js';

export interface CredentialFiles {
  /** Overrides the user of DATABASE_URL. */
  readonly userFile?: string | undefined;
  readonly passwordFile?: string | undefined;
}

export interface Credentials {
  readonly user?: string;
  readonly password?: string;
}

const VARIABLE = { userFile: 'DATABASE_USER_FILE', passwordFile: 'DATABASE_PASSWORD_FILE' } as const;

async function readCredential(which: keyof CredentialFiles, path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new StoreUnavailableError(`cannot read ${VARIABLE[which]} ${path} (${code})`, { cause: error });
  }
  // Secret tools differ on a trailing newline; a credential never ends with one.
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') throw new StoreUnavailableError(`${VARIABLE[which]} ${path} is empty`);
  return value;
}

/** Reads the configured files; rejects with `StoreUnavailableError` naming the variable and the path. */
export async function readCredentials(files: CredentialFiles): Promise<Credentials> {
  const [user, password] = await Promise.all([
    files.userFile === undefined ? undefined : readCredential('userFile', files.userFile),
    files.passwordFile === undefined ? undefined : readCredential('passwordFile', files.passwordFile),
  ]);
  return { ...(user === undefined ? {} : { user }), ...(password === undefined ? {} : { password }) };
}

export function hasCredentialFiles(files: CredentialFiles): boolean {
  return files.userFile !== undefined || files.passwordFile !== undefined;
}

/** What node-postgres keeps per client and reads during the handshake (not in @types/pg). */
interface ConnectionParameters {
  user?: string;
  password?: string | null;
}

/**
 * A node-postgres client class that reads the credential files right before it connects (the pool
 * creates one client per new connection). A failed read fails that connection with
 * `StoreUnavailableError`: a 503 for the request, never a crash.
 */
export function clientReadingCredentials(files: CredentialFiles): typeof pg.Client {
  if (!hasCredentialFiles(files)) return pg.Client;
  return class ClientReadingCredentials extends pg.Client {
    override connect(): Promise<pg.Client>;
    override connect(callback: (err: Error) => void): void;
    override connect(callback?: (err: Error) => void): Promise<pg.Client> | undefined {
      const ready = readCredentials(files).then(({ user, password }) => {
        const self = this as unknown as {
          user?: string;
          password?: string;
          connectionParameters: ConnectionParameters;
        };
        if (user !== undefined) {
          self.user = user;
          self.connectionParameters.user = user;
        }
        if (password !== undefined) {
          self.password = password;
          self.connectionParameters.password = password;
        }
      });
      if (callback === undefined) return ready.then(() => super.connect());
      ready.then(() => super.connect(callback), callback);
      return undefined;
    }
  };
}
