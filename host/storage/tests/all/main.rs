//! persist-storage's backends called directly, as any guest could call them: the same
//! behaviour on files, memory, Redis, Redis Cluster, PostgreSQL and S3, and the host's own
//! refusals.

mod backends;
mod batches;
mod cluster;
mod s3;
