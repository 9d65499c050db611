//! persist-storage's backends called directly, as any guest could call them: the same
//! behaviour on files, memory, Redis and PostgreSQL, and the host's own refusals.

mod backends;
mod batches;
