//! persist-embed through its Rust API: the 16 domains, base documents, corruption and the
//! quarantine, hostile keys, a writer killed mid-write, and the shared behaviour cases that
//! the Node.js and Python hosts run too.

mod batches;
mod behaviour;
mod corruption;
mod domains;
mod hostile_keys;
mod kill;
mod library;
