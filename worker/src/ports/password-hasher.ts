import bcrypt from "bcryptjs";

/** Hashes and checks passwords without stalling the event loop. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** Hashes it runs at once (its threads); 1 when absent. */
  readonly parallelism?: number;
  close?(): Promise<void>;
}

/** bcryptjs' asynchronous API: it yields to the event loop between rounds. Works on every runtime. */
export function bcryptjsHasher(cost: number): PasswordHasher {
  return {
    hash: (password) => bcrypt.hash(password, cost),
    verify: (password, hash) => bcrypt.compare(password, hash),
  };
}
