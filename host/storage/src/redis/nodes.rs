//! Where a Redis store's commands go: one server (`redis://`), or, in a Redis Cluster
//! (`redis+cluster://`), the master that holds the slot of an entity's hash tag.
//!
//! The cluster's slot map is read with `CLUSTER SLOTS` from any node that answers, and read
//! again after a `MOVED`, `READONLY`, `TRYAGAIN` or `CLUSTERDOWN` reply (the command was not
//! run: it is sent again, to the new master) or a connection that could not be made; an `ASK`
//! reply (a slot being resharded) sends the call to the node named, after `ASKING`. A command that reached a master which then failed has an
//! unknown outcome: it is never sent again here, the caller gets the error (`unavailable`) and
//! decides. Each node has one connection, opened on first use and again after a failure.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long to wait for a server to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How many times a command refused by a moved slot or a cluster in failover is sent again.
const ATTEMPTS: u32 = 6;
/// The slots of a Redis Cluster.
const SLOTS: u16 = 16384;

/// A command's failure, with whether it may have run.
#[derive(Debug)]
pub(super) enum Failure {
    /// No connection could be made: nothing was sent.
    Connect(redis::RedisError),
    /// The command was sent; the error says what the server (or the network) did.
    Command(redis::RedisError),
}

impl Failure {
    pub(super) fn error(&self) -> &redis::RedisError {
        match self {
            Failure::Connect(e) | Failure::Command(e) => e,
        }
    }
}

/// One server and this store's connection to it.
pub(super) struct Node {
    /// `host:port`, as the cluster names it (the URL's, for one server).
    pub(super) addr: String,
    client: redis::Client,
    /// How long to wait for an answer (longer than a replica WAIT).
    read_timeout: Duration,
    conn: Mutex<Option<redis::Connection>>,
}

impl Node {
    pub(super) fn open(
        addr: String,
        info: redis::ConnectionInfo,
        read_timeout: Duration,
    ) -> Result<Node, redis::RedisError> {
        Ok(Node {
            addr,
            client: redis::Client::open(info)?,
            read_timeout,
            conn: Mutex::new(None),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Option<redis::Connection>> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the connection, connecting first if needed; an error that may have broken
    /// the connection drops it.
    pub(super) fn with<T>(
        &self,
        f: &mut dyn FnMut(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, Failure> {
        let mut slot = self.lock();
        if slot.is_none() {
            let conn = self
                .client
                .get_connection_with_timeout(CONNECT_TIMEOUT)
                .and_then(|c| {
                    c.set_read_timeout(Some(self.read_timeout))?;
                    c.set_write_timeout(Some(self.read_timeout))?;
                    Ok(c)
                })
                .map_err(Failure::Connect)?;
            *slot = Some(conn);
        }
        let Some(conn) = slot.as_mut() else {
            return Err(Failure::Connect(redis::RedisError::from((
                redis::ErrorKind::IoError,
                "no connection",
            ))));
        };
        f(conn).map_err(|e| {
            if e.is_io_error()
                || e.is_connection_dropped()
                || e.is_timeout()
                || e.is_unrecoverable_error()
            {
                *slot = None;
            }
            Failure::Command(e)
        })
    }
}

/// One server, or the masters of a cluster.
pub(super) enum Nodes {
    /// `redis://`: every command goes to this server.
    Single(Node),
    /// `redis+cluster://`: each entity's commands go to the master of its slot.
    Cluster(Cluster),
}

impl Nodes {
    /// Runs `f` on the connection to the node that holds the keys tagged `tag`.
    pub(super) fn on<T>(
        &self,
        tag: &str,
        mut f: impl FnMut(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, Failure> {
        match self {
            Nodes::Single(node) => node.with(&mut f),
            Nodes::Cluster(cluster) => cluster.on(slot_of(tag.as_bytes()), &mut f),
        }
    }

    /// Runs `f` on every master (the one server, or each master of the cluster).
    pub(super) fn each<T>(
        &self,
        mut f: impl FnMut(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<Vec<T>, Failure> {
        match self {
            Nodes::Single(node) => Ok(vec![node.with(&mut f)?]),
            Nodes::Cluster(cluster) => cluster.each(&mut f),
        }
    }
}

/// A Redis Cluster: its seed addresses, the slot map and a node per master address.
pub(super) struct Cluster {
    seeds: Vec<String>,
    /// The connection settings of every node (user, password), without the address.
    template: redis::ConnectionInfo,
    read_timeout: Duration,
    /// The master of each slot (`None` while the map is unknown or a slot is uncovered).
    map: Mutex<Vec<Option<Arc<Node>>>>,
    nodes: Mutex<HashMap<String, Arc<Node>>>,
}

impl Cluster {
    pub(super) fn new(
        seeds: Vec<String>,
        template: redis::ConnectionInfo,
        read_timeout: Duration,
    ) -> Cluster {
        Cluster {
            seeds,
            template,
            read_timeout,
            map: Mutex::new(Vec::new()),
            nodes: Mutex::new(HashMap::new()),
        }
    }

    fn node(&self, addr: &str) -> Result<Arc<Node>, Failure> {
        let mut nodes = self.nodes.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(node) = nodes.get(addr) {
            return Ok(node.clone());
        }
        let (host, port) = split_addr(addr).map_err(Failure::Connect)?;
        let mut info = self.template.clone();
        info.addr = redis::ConnectionAddr::Tcp(host, port);
        let node = Arc::new(
            Node::open(addr.to_string(), info, self.read_timeout).map_err(Failure::Connect)?,
        );
        nodes.insert(addr.to_string(), node.clone());
        Ok(node)
    }

    /// Reads the slot map from the first node that answers: the known nodes first, then the
    /// seeds, and last the node that just failed (`failed`), so a dead master costs at most
    /// one more connection attempt.
    fn refresh(&self, failed: Option<&str>) -> Result<(), Failure> {
        let mut candidates: Vec<String> = self
            .nodes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        for seed in &self.seeds {
            if !candidates.contains(seed) {
                candidates.push(seed.clone());
            }
        }
        if let Some(failed) = failed {
            candidates.retain(|c| c != failed);
            candidates.push(failed.to_string());
        }
        let mut last = None;
        for addr in candidates {
            let node = match self.node(&addr) {
                Ok(n) => n,
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            match node.with(&mut |c| redis::cmd("CLUSTER").arg("SLOTS").query::<redis::Value>(c)) {
                Ok(reply) => match parse_slots(&reply) {
                    Some(ranges) if !ranges.is_empty() => {
                        let mut map = vec![None; SLOTS as usize];
                        for (start, end, master) in ranges {
                            let node = self.node(&master)?;
                            for slot in start..=end.min(SLOTS - 1) {
                                map[slot as usize] = Some(node.clone());
                            }
                        }
                        *self.map.lock().unwrap_or_else(|p| p.into_inner()) = map;
                        return Ok(());
                    }
                    _ => {
                        last = Some(Failure::Command(redis::RedisError::from((
                            redis::ErrorKind::ClusterDown,
                            "CLUSTER SLOTS",
                            format!("{addr} answered with no slot ranges (is it a cluster node?)"),
                        ))))
                    }
                },
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            Failure::Connect(redis::RedisError::from((
                redis::ErrorKind::InvalidClientConfig,
                "no cluster node to ask",
            )))
        }))
    }

    fn forget_map(&self) {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The master of `slot`, reading the slot map first when it is not known.
    fn master_of(&self, slot: u16, failed: Option<&str>) -> Result<Arc<Node>, Failure> {
        if let Some(Some(node)) = self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(slot as usize)
        {
            return Ok(node.clone());
        }
        self.refresh(failed)?;
        match self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(slot as usize)
        {
            Some(Some(node)) => Ok(node.clone()),
            _ => Err(Failure::Command(redis::RedisError::from((
                redis::ErrorKind::ClusterDown,
                "slot not served",
                format!("no master serves slot {slot} now (the cluster is failing over)"),
            )))),
        }
    }

    fn on<T>(
        &self,
        slot: u16,
        f: &mut dyn FnMut(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, Failure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let node = self.master_of(slot, None)?;
            let failure = match node.with(f) {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            match &failure {
                // Nothing was sent. If the cluster now names another master for the slot (a
                // failover happened), send it there; else the master is down: say so now.
                Failure::Connect(_) => {
                    self.forget_map();
                    match self.master_of(slot, Some(&node.addr)) {
                        Ok(next) if next.addr != node.addr && attempt < ATTEMPTS => continue,
                        _ => return Err(failure),
                    }
                }
                // The slot is being moved to another master and this key is there already:
                // ASKING, then the call, on that master. (A transaction's queued commands
                // are not covered by one ASKING: it fails as unavailable until the move ends.)
                Failure::Command(e) if e.kind() == redis::ErrorKind::Ask => {
                    let Some((addr, _)) = e.redirect_node() else {
                        return Err(failure);
                    };
                    let target = self.node(addr)?;
                    return target.with(&mut |c| {
                        redis::cmd("ASKING").query::<()>(c)?;
                        f(c)
                    });
                }
                // Refused before running: the slot is elsewhere now, or the cluster is busy.
                Failure::Command(e)
                    if matches!(
                        e.kind(),
                        redis::ErrorKind::Moved
                            | redis::ErrorKind::ReadOnly
                            | redis::ErrorKind::TryAgain
                            | redis::ErrorKind::ClusterDown
                    ) && attempt < ATTEMPTS =>
                {
                    self.forget_map();
                    std::thread::sleep(Duration::from_millis(50 * u64::from(attempt)));
                }
                // Sent, and the connection failed: the outcome is unknown, never sent again.
                Failure::Command(e) => {
                    if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() {
                        self.forget_map();
                    }
                    return Err(failure);
                }
            }
        }
    }

    fn each<T>(
        &self,
        f: &mut dyn FnMut(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<Vec<T>, Failure> {
        if self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
        {
            self.refresh(None)?;
        }
        let mut masters: Vec<Arc<Node>> = Vec::new();
        for node in self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .flatten()
        {
            if !masters.iter().any(|m| Arc::ptr_eq(m, node)) {
                masters.push(node.clone());
            }
        }
        let mut out = Vec::with_capacity(masters.len());
        for node in masters {
            match node.with(f) {
                Ok(v) => out.push(v),
                Err(e) => {
                    self.forget_map();
                    return Err(e);
                }
            }
        }
        Ok(out)
    }
}

/// `host:port` split; a port is required.
pub(super) fn split_addr(addr: &str) -> Result<(String, u16), redis::RedisError> {
    let bad = || {
        redis::RedisError::from((
            redis::ErrorKind::InvalidClientConfig,
            "bad node address",
            format!("{addr:?} is not host:port"),
        ))
    };
    let (host, port) = addr.rsplit_once(':').ok_or_else(bad)?;
    let port = port.parse::<u16>().map_err(|_| bad())?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok((
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port,
    ))
}

/// (first slot, last slot, master `host:port`) of each range in a `CLUSTER SLOTS` reply.
fn parse_slots(reply: &redis::Value) -> Option<Vec<(u16, u16, String)>> {
    let redis::Value::Array(ranges) = reply else {
        return None;
    };
    let mut out = Vec::new();
    for range in ranges {
        let redis::Value::Array(items) = range else {
            return None;
        };
        let int = |v: &redis::Value| match v {
            redis::Value::Int(n) => u16::try_from(*n).ok(),
            _ => None,
        };
        let start = int(items.first()?)?;
        let end = int(items.get(1)?)?;
        let redis::Value::Array(master) = items.get(2)? else {
            return None;
        };
        let host = match master.first()? {
            redis::Value::BulkString(b) => String::from_utf8(b.clone()).ok()?,
            redis::Value::SimpleString(s) => s.clone(),
            _ => return None,
        };
        let port = match master.get(1)? {
            redis::Value::Int(n) => u16::try_from(*n).ok()?,
            _ => return None,
        };
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        out.push((start, end, format!("{host}:{port}")));
    }
    Some(out)
}

/// The cluster slot of a key whose hash tag is `tag`: CRC16 (XMODEM) modulo 16384, as Redis
/// computes it.
pub(super) fn slot_of(tag: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in tag {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc % SLOTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_those_redis_computes() {
        // Values from `CLUSTER KEYSLOT` of Redis 7.
        assert_eq!(slot_of(b"foo"), 12182);
        assert_eq!(slot_of(b"bar"), 5061);
        assert_eq!(slot_of(b""), 0);
        // The CRC16-XMODEM check value of "123456789" is 0x31C3 (12739, under 16384).
        assert_eq!(slot_of(b"123456789"), 0x31C3);
    }

    #[test]
    fn node_addresses_need_a_port() {
        assert_eq!(
            split_addr("127.0.0.1:7000").unwrap(),
            ("127.0.0.1".into(), 7000)
        );
        assert_eq!(split_addr("[::1]:7000").unwrap(), ("::1".into(), 7000));
        assert!(split_addr("127.0.0.1").is_err());
        assert!(split_addr(":7000").is_err());
    }
}
