// Names through which the database reaches the chart, the same on both stacks: the AWS stack
// (External Secrets, the RDS CA ConfigMap) and the minikube stack (its in-cluster PostgreSQL)
// write these objects, and the chart's values name them. Plain constants and types.

import type { Input } from '@pulumi/pulumi';

/** Secret with the app's database credential (keys below): mounted into the server pods. */
export const APP_SECRET_NAME = 'hello-database-app';
/** Secret with the owner's (RDS master) credential: mounted into the migration Job only. */
export const OWNER_SECRET_NAME = 'hello-database-owner';
/** Keys of both Secrets; each becomes a file where the chart mounts the Secret. */
export const USERNAME_KEY = 'username';
export const PASSWORD_KEY = 'password';

/** The NOLOGIN role holding the app's privileges (the schema migration grants them). */
export const APP_ROLE = 'hello_app';
/** The app's first login on AWS, a member of APP_ROLE; rotation alternates it with `<login>_clone`. */
export const APP_LOGIN = 'hello_app_login';

/** Key of the database CA bundle in its ConfigMap: the chart mounts it as /etc/ssl/db/<key>. */
export const CA_BUNDLE_KEY = 'ca.pem';
/** Where the chart mounts that ConfigMap, so `sslrootcert` can name the file. */
export const CA_BUNDLE_MOUNT = '/etc/ssl/db';

/** What each stack hands the chart about its database (CONTRACTS.md, "Database credentials"). */
export interface DatabaseForChart {
  /** postgres://host:port/db?options, with no user or password: a plain chart value. */
  url: Input<string>;
  /** Secret (keys `username`, `password`) for the server pods. */
  appSecretName: string;
  /** Secret (keys `username`, `password`) for the migration Job. */
  ownerSecretName: string;
  /** ConfigMap and key of the CA that `sslrootcert` in `url` names (AWS only). */
  caBundle?: { configMapName: Input<string>; key: string };
}
