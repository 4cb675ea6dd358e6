// Names through which the database reaches the chart, the same on both stacks: the AWS stack
// (External Secrets, the RDS CA ConfigMap) and the minikube stack (its in-cluster PostgreSQL)
// write these objects, and the chart's values name them. No Pulumi imports: plain constants.

/** The Kubernetes Secret the chart reads the database connection from. */
export const DATABASE_SECRET_NAME = 'hello-database';
/** Key in that Secret. */
export const DATABASE_SECRET_KEY = 'DATABASE_URL';

/** Key of the database CA bundle in its ConfigMap: the chart mounts it as /etc/ssl/db/<key>. */
export const CA_BUNDLE_KEY = 'ca.pem';
/** Where the chart mounts that ConfigMap, so `sslrootcert` can name the file. */
export const CA_BUNDLE_MOUNT = '/etc/ssl/db';
